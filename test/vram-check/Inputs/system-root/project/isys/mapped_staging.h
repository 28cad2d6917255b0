// A project directory passed with -isystem.
#include <cuda_runtime_api.h>

inline cudaError_t stageMapped(void **host, size_t bytes) {
  return cudaHostAlloc(host, bytes, cudaHostAllocPortable);
}
