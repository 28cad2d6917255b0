// A project header that stages data in page-locked host memory.
#pragma once
#include <cuda_runtime.h>

inline void stage(void **p, size_t n) { cudaMallocHost(p, n); }
