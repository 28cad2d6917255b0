// A __managed__ variable: managed memory the program never allocated by a call.
#include <cuda_runtime.h>

#include "attach_programs.hpp"

__managed__ int counters[1024];

__global__ void bump() { counters[threadIdx.x] += 1; }

int main() {
  bump<<<1, 1024>>>();
  CHECK_CUDA(cudaDeviceSynchronize());
  std::printf("managed variable %d\n", counters[3]);
  return 0;
}
