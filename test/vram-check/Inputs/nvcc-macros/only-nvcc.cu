// Code only nvcc or gcc compiles. Analysed through an nvcc entry with
// -rdc=true and --extended-lambda, the branches on nvcc's version and modes
// are findings; __NVCC__ and the gcc-only branches (clang cannot be nvcc or
// gcc for the system headers' sake) are notes.
#include <cuda_runtime.h>

void stage(void **p, size_t n) {
#ifdef __NVCC__
  cudaMallocManaged(p, n);
#endif
#if __CUDACC_VER_MAJOR__ >= 12
  cudaMallocHost(p, n);
#endif
#ifdef __CUDACC_RDC__
  cudaHostAlloc(p, n, cudaHostAllocDefault);
#endif
#ifdef __CUDACC_EXTENDED_LAMBDA__
  cudaMallocManaged(p, n, cudaMemAttachHost);
#endif
#if !defined(__clang__)
  cudaMallocHost(p, n);
#endif
#if __GNUC__ >= 9
  cudaHostRegister(*p, n, cudaHostRegisterDefault);
#endif
}
