// A user header: its code is the user's, and is analysed.
#pragma once
#include <cuda_runtime.h>

inline void *pinned_staging(size_t bytes) {
  void *p = nullptr;
  cudaMallocHost(&p, bytes);
  return p;
}
