// A KV cache that is not VRAM-only.
#include "worker.h"

__host__ __device__ int location_kind() {
#ifdef __CUDA_ARCH__
  return cudaMemLocationTypeHost;
#else
  return cudaMemLocationTypeDevice;
#endif
}

void allocate_cache(float **keys, size_t bytes) {
  CUDA_CHECK(cudaMallocManaged(keys, bytes * KV_BLOCK));
}
