// NOLINT, NOLINTNEXTLINE and the begin/end block form work for the vram-* checks as for
// every clang-tidy check, by check name or glob, including on macro arguments,
// the worker's macros and flags on a continuation line.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda_runtime.h>
#include <dlfcn.h>

#define CUDA_CHECK(call) do { cudaError_t err_ = (call); (void)err_; } while (0)
#define ALLOC_KV(ptr, bytes) cudaMallocManaged(ptr, bytes)

__managed__ int counter; // NOLINT

void suppressed(float *p, size_t n, void *lib) {
  cudaMallocManaged(&p, n); // NOLINT
  cudaMallocManaged(&p, n); // NOLINT(vram-managed-memory)
  CUDA_CHECK(cudaMallocManaged(&p, n)); // NOLINT(vram-managed-memory)
  ALLOC_KV(&p, n); // NOLINT(vram-*)
  // NOLINTNEXTLINE(vram-*)
  cudaHostAlloc(&p, n, cudaHostAllocMapped);
  cudaHostAlloc(&p, n, // NOLINT(vram-host-memory)
                cudaHostAllocMapped); // NOLINT(vram-mapped-memory)
  // NOLINTBEGIN(vram-dynamic-lookup)
  dlsym(lib, "cudaMallocManaged");
  dlsym(lib, "cuMemAllocHost");
  // NOLINTEND(vram-dynamic-lookup)
}

void partlySuppressed(float *p, size_t n) {
  cudaMallocManaged(&p, n); // NOLINT(vram-host-memory)
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  // NOLINTNEXTLINE(vram-host-memory)
  cudaHostAlloc(&p, n, cudaHostAllocMapped);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:24: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
}
