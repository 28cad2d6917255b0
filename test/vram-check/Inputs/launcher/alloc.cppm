// A C++20 module unit that stages data in page-locked host memory.
module;
#include <cuda_runtime.h>
export module alloc;

export void stage(void **p, size_t n) { cudaMallocHost(p, n); }
