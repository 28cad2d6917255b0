// Crashes clang's frontend on purpose (a debugging pragma of clang): the
// crash must cost only this unit.
#include <cuda_runtime.h>
void f(float **p) { cudaMallocManaged(p, 4); }
#pragma clang __debug crash
