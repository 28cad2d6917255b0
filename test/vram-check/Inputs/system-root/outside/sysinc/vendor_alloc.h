// A system-like directory outside the project: a vendor library's header
// that declares and calls forbidden names. Never reported.
#pragma once
#include <cuda_runtime_api.h>

extern "C" cudaError_t cudaMallocManaged(void **p, size_t n, unsigned flags);
inline cudaError_t vendorStage(void **host, size_t bytes) { return cudaMallocHost(host, bytes); }
