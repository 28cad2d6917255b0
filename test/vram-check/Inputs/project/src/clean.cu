// A VRAM-only kernel launcher: device memory only.
#include "worker.h"

__global__ void scale(float *x, float a) { x[threadIdx.x] *= a; }

void run(int n) {
  float *x = nullptr;
  CUDA_CHECK(cudaMalloc(&x, n * sizeof(float)));
  scale<<<1, KV_BLOCK>>>(x, 2.0f);
  CUDA_CHECK(cudaFree(x));
}
