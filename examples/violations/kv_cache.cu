// A paged KV cache in managed memory. Under memory pressure the driver
// migrates its pages to host RAM, and attention kernels then fault them back
// one page at a time.
#include <cuda_fp16.h>
#include <thrust/universal_vector.h>

#include "../common/cuda_check.h"
#include "../common/kernels.cuh"

// Tokens served, readable from the host without a copy.
__managed__ unsigned long long tokens_served;

struct KvCache {
  __half *keys = nullptr;
  __half *values = nullptr;
  size_t page_bytes = 0;
  int num_pages = 0;
  thrust::universal_vector<int> block_table;
};

KvCache createKvCache(int num_pages, size_t page_bytes, int device,
                      cudaStream_t stream) {
  KvCache cache;
  cache.page_bytes = page_bytes;
  cache.num_pages = num_pages;
  const size_t bytes = page_bytes * static_cast<size_t>(num_pages);
  CUDA_CHECK(cudaMallocManaged(&cache.keys, bytes));
  CUDA_CHECK(cudaMallocManaged(&cache.values, bytes, cudaMemAttachGlobal));
  cache.block_table.resize(num_pages);

  cudaMemLocation gpu{};
  gpu.type = cudaMemLocationTypeDevice;
  gpu.id = device;
  CUDA_CHECK(cudaMemAdvise(cache.keys, bytes, cudaMemAdviseSetPreferredLocation, gpu));
  CUDA_CHECK(cudaMemPrefetchAsync(cache.values, bytes, gpu, 0, stream));
  return cache;
}

__global__ void countTokens(int new_tokens) {
  atomicAdd(&tokens_served, static_cast<unsigned long long>(new_tokens));
}

void releaseKvCache(KvCache &cache) {
  CUDA_CHECK(cudaFree(cache.keys));
  CUDA_CHECK(cudaFree(cache.values));
}
