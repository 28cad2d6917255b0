#include <cuda_runtime_api.h>
void *staging_buffer(unsigned long bytes) {
  void *p = nullptr;
  return cudaMallocHost(&p, bytes) == cudaSuccess ? p : nullptr;
}
