// A worker with its own wrappers, for the option tests (config.test).
#include <cuda_runtime.h>

void stagePinned(void **p, size_t n);

void worker(void **p) {
  stagePinned(p, 16);
  cudaHostRegister(*p, 16, 0);
  cudaMallocHost(p, 16);
}
