// Managed memory (1 violation) moved toward the host: cudaMemAdvise
// preferred location CPU and a prefetch to the CPU (one violation each).
#include <cuda_runtime.h>

#include "attach_programs.hpp"

int main() {
  void* managed = nullptr;
  CHECK_CUDA(cudaMallocManaged(&managed, 2 << 20));
  cudaMemLocation host = {};
  host.type = cudaMemLocationTypeHost;
  host.id = 0;
  CHECK_CUDA(cudaMemAdvise(managed, 2 << 20, cudaMemAdviseSetPreferredLocation, host));
  std::printf("cudaMemAdvise preferred location host\n");
  CHECK_CUDA(cudaMemPrefetchAsync(managed, 2 << 20, host, 0, 0));
  CHECK_CUDA(cudaDeviceSynchronize());
  std::printf("cudaMemPrefetchAsync to host\n");
  CHECK_CUDA(cudaFree(managed));
  return 0;
}
