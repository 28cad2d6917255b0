// A project header that declares itself a system header (to silence a
// third-party warning, say): its call is still the project's.
#pragma GCC system_header
#include <cuda_runtime_api.h>

inline cudaError_t stage(void **host, size_t bytes) { return cudaMallocHost(host, bytes); }
