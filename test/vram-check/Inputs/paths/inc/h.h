#pragma once
#include <cuda.h>
#include <cuda_runtime_api.h>

inline void *pinned(size_t bytes) {
  void *p = nullptr;
  cudaMallocHost(&p, bytes);
  return p;
}

inline void resolve(void **fn) {
  CUdriverProcAddressQueryResult status;
  cuGetProcAddress("cuMemAllocHost", fn, 13000, CU_GET_PROC_ADDRESS_DEFAULT, &status);
}
