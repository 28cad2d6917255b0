// A template never instantiated: with -fdelayed-template-parsing clang would
// not parse its body, and the call would go unseen.
#include <cuda_runtime.h>

template <class T> void grow(T **p, size_t n) {
  cudaMallocManaged(p, n * sizeof(T));
}
