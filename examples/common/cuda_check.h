// Error checking for the example workers (examples/violations/, examples/clean/).
#pragma once

#include <cstdio>
#include <cstdlib>

#include <cuda.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(call)                                                     \
  do {                                                                       \
    cudaError_t err_ = (call);                                               \
    if (err_ != cudaSuccess) {                                               \
      std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,                \
                   cudaGetErrorString(err_));                                \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

#define CU_CHECK(call)                                                       \
  do {                                                                       \
    CUresult res_ = (call);                                                  \
    if (res_ != CUDA_SUCCESS) {                                              \
      std::fprintf(stderr, "%s:%d: CUresult %d\n", __FILE__, __LINE__,       \
                   static_cast<int>(res_));                                  \
      std::abort();                                                          \
    }                                                                        \
  } while (0)
