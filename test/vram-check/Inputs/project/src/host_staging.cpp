// Host code built by the C++ compiler: zero-copy staging.
#include "worker.h"

void stage(void **host, void **device, size_t bytes) {
  CUDA_CHECK(cudaHostAlloc(host, bytes, cudaHostAllocMapped));
  CUDA_CHECK(cudaHostGetDevicePointer(device, *host, 0));
}
