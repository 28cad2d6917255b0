// -fplugin-arg-vram_only-checks selects checks with clang-tidy's glob
// syntax; the last glob that matches a check decides.
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin \
// RUN:   -fplugin-arg-vram_only-checks=-*,vram-host-memory %cuda_cxx_flags %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=HOST --implicit-check-not=error: --implicit-check-not=warning:
// RUN: not %clang -fsyntax-only -fplugin=%plugin \
// RUN:   -fplugin-arg-vram_only-checks=vram-*,-vram-host-memory %cuda_cxx_flags %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OTHERS --implicit-check-not=error: --implicit-check-not=warning:

#include <cuda_runtime.h>

void stage(void **pinned, float **kv, unsigned long bytes) {
  cudaHostAlloc(pinned, bytes, cudaHostAllocDefault);
  // HOST: checks.cpp:[[@LINE-1]]:3: error: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  cudaMallocManaged(kv, bytes);
  // OTHERS: checks.cpp:[[@LINE-1]]:3: error: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
}
