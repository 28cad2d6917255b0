// One managed allocation (1 MiB), then a kernel uses it. Under
// --on-violation=abort the process must stop before "used managed memory".
#include <cuda_runtime.h>

#include "attach_programs.hpp"

__global__ void fill(int* p, size_t n) {
  const size_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] = 7;
}

int main() {
  void* device = nullptr;
  CHECK_CUDA(cudaMalloc(&device, 4096));  // a device allocation first: tracked, no violation
  std::printf("cudaMalloc 4096\n");
  std::fflush(stdout);
  int* managed = nullptr;
  CHECK_CUDA(cudaMallocManaged(&managed, 1 << 20));
  fill<<<1024, 256>>>(managed, (1 << 20) / sizeof(int));
  CHECK_CUDA(cudaDeviceSynchronize());
  std::printf("used managed memory %d\n", managed[5]);
  std::fflush(stdout);
  hold_if_asked();
  CHECK_CUDA(cudaFree(managed));
  CHECK_CUDA(cudaFree(device));
  return 0;
}
