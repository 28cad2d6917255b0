// A CUDA header compiled on its own with nvcc -x cu.
#include <cuda_runtime.h>
inline void pin(void **p) { cudaMallocHost(p, 64); }
