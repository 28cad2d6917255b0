// Host-side weight staging through pinned memory.
#include <cuda_runtime_api.h>

void *staging_buffer(unsigned long bytes) {
  void *pinned = nullptr;
  return cudaMallocHost(&pinned, bytes) == cudaSuccess ? pinned : nullptr;
}
