// A header of the worker's own, with a flags macro that maps host memory.
#pragma once
#include <cuda_runtime.h>
#define WORKER_MAPPED_FLAGS (cudaHostAllocMapped | cudaHostAllocPortable)
inline cudaError_t allocateZeroCopy(void **p, size_t n) {
  return cudaHostAlloc(p, n, WORKER_MAPPED_FLAGS);
}
