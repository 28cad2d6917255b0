// vram-mapped-memory on host C++ (the toolkit included with -I): a flags
// macro of the worker's header is reported where it is used, in the header
// and in this file; preprocessor tests of a flag's value map nothing.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-mapped-memory' %s \
// RUN:   --header-filter='.*' --system-headers -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s -DINPUTS=%S/Inputs --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
//
// CHECK-MESSAGES: [[INPUTS]]/zero_copy.h:6:30: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]

#include <cuda.h>
#include <cuda_runtime.h>

#include "Inputs/zero_copy.h"

#if cudaHostAllocMapped != 0x02 || !defined(cudaDeviceMapHost)
#error "unexpected CUDA flags"
#endif
#ifdef CU_MEMHOSTALLOC_DEVICEMAP
static const bool kDriverMapsHostMemory = true;
#endif

struct Staging {
  void *host = nullptr;
  void *device = nullptr;
};

cudaError_t mapStaging(Staging &s, size_t n) {
  cudaError_t err = cudaHostAlloc(&s.host, n, WORKER_MAPPED_FLAGS);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:47: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  if (err != cudaSuccess)
    return err;
  return cudaHostGetDevicePointer(&s.device, s.host, 0);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:10: warning: cudaHostGetDevicePointer returns a device address of mapped host memory (zero-copy), so kernels read host RAM over the bus; copy the data into cudaMalloc memory [vram-mapped-memory]
}

CUresult mapDriver(void **host, size_t n, unsigned extraFlags) {
  // Not a constant: only the call itself is reported (by vram-host-memory).
  return cuMemHostAlloc(host, n, extraFlags);
}
