// A new source the compile database does not list yet.
#include <cuda_runtime.h>

void stage_new(void **p, size_t n) { cudaHostAlloc(p, n, cudaHostAllocDefault); }
