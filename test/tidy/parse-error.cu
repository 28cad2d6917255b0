// A file that does not parse makes clang-tidy fail, never pass: the
// compiler's error is reported and the exit status is not zero. What did
// parse is still checked, and broken flag expressions crash nothing. A
// missing header (the CUDA 13 stub left out, a wrong include path) fails too.
//
// RUN: not %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s \
// RUN:   -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
// RUN: not %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s \
// RUN:   -- %cuda_host_flags -DMISSING_HEADER 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=MISSING
//
// MISSING: [[FILE]]:{{[0-9]+}}:10: error: 'vram_only_no_such_header.h' file not found [clang-diagnostic-error]

#ifdef MISSING_HEADER
#include "vram_only_no_such_header.h"
#endif
#include <cuda_runtime.h>

void broken(float *p) {
  cudaMallocManaged(&p, 16);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  int x = ;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:11: error: expected expression [clang-diagnostic-error]
  cudaHostAlloc(&p, 16, undeclaredFlags | cudaHostAllocMapped);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-2]]:25: error: use of undeclared identifier 'undeclaredFlags' [clang-diagnostic-error]
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-3]]:43: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  cudaSetDeviceFlags(cudaDeviceMapHost +);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:22: warning: cudaDeviceMapHost lets the device map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-2]]:41: error: expected expression [clang-diagnostic-error]
}
