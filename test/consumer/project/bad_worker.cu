// Not VRAM-only: the KV cache is managed memory.
#include <cuda_runtime.h>

__global__ void fill(float *kv) { kv[threadIdx.x] = 0.0f; }

int main() {
  float *kv = nullptr;
  cudaMallocManaged(&kv, 1024 * sizeof(float));
  fill<<<4, 256>>>(kv);
  return cudaFree(kv) == cudaSuccess ? 0 : 1;
}
