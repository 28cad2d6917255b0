#include <cuda_runtime_api.h>

void stagePinned(void **buffer);

void load(void *weights, void **staging) {
  cudaHostRegister(weights, 4096, cudaHostRegisterDefault);
  stagePinned(staging);
  cudaMallocHost(staging, 4096);
}
