#pragma once
#include <cuda_runtime_api.h>
inline void *device_buffer(unsigned long bytes) {
  void *p = nullptr;
  return cudaMalloc(&p, bytes) == cudaSuccess ? p : nullptr;
}
