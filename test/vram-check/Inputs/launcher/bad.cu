#include <cuda_runtime.h>
__global__ void scale(float *x) { x[threadIdx.x] *= 2.0f; }
int main() {
  float *x = nullptr;
  if (cudaMallocManaged(&x, 32 * sizeof(float)) != cudaSuccess) return 1;
  scale<<<1, 32>>>(x);
  return cudaFree(x) == cudaSuccess ? 0 : 1;
}
