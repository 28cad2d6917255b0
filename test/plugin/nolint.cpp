// A finding silenced for clang-tidy stays silent in the build: NOLINT,
// NOLINT(<globs>), NOLINTNEXTLINE and NOLINTBEGIN/NOLINTEND, as clang-tidy
// reads them. Comments naming other checks silence nothing.
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin %cuda_cxx_flags %s 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning:

#include <cuda_runtime.h>

void stage(void **p, unsigned long n) {
  cudaMallocHost(p, n); // NOLINT
  cudaMallocHost(p, n); // NOLINT(vram-host-*)
  cudaMallocHost(p, n); // NOLINT(vram-managed-memory)
  // CHECK: nolint.cpp:[[@LINE-1]]:3: error: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  // NOLINTNEXTLINE(vram-host-memory)
  cudaMallocHost(p, n);
  // NOLINTBEGIN(vram-*)
  cudaMallocHost(p, n);
  cudaHostRegister(*p, n, cudaHostRegisterDefault);
  // NOLINTEND(vram-*)
  cudaHostRegister(*p, n, cudaHostRegisterDefault);
  // CHECK: nolint.cpp:[[@LINE-1]]:3: error: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-host-memory]
}
