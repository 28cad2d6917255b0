// A paged KV cache in VRAM: pages and the block table live in the worker's
// device arena and never leave the GPU.
#include <cuda_fp16.h>

#include "../common/kernels.cuh"
#include "device_arena.h"

struct KvCache {
  __half *keys = nullptr;
  __half *values = nullptr;
  int *block_table = nullptr;
  size_t page_bytes = 0;
  int num_pages = 0;
};

KvCache createKvCache(DeviceArena &arena, int num_pages, size_t page_bytes,
                      cudaStream_t stream) {
  KvCache cache;
  cache.page_bytes = page_bytes;
  cache.num_pages = num_pages;
  const size_t halves = page_bytes / sizeof(__half) * static_cast<size_t>(num_pages);
  cache.keys = arena.allocate<__half>(halves);
  cache.values = arena.allocate<__half>(halves);
  cache.block_table = arena.allocate<int>(static_cast<size_t>(num_pages));
  CUDA_CHECK(cudaMemsetAsync(cache.block_table, 0xff, num_pages * sizeof(int), stream));
  return cache;
}
