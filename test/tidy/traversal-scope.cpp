// clang-tidy traverses the whole translation unit for every enabled check.
// With only vram-* checks enabled the traversal is kept to the user's code
// (tidy/UserCodeScope.h); with any other check enabled it is left whole, so
// that check still sees what it needs: here google-build-using-namespace
// reports a using-directive in a system header (--system-headers), which a
// traversal kept to the user's code would never visit.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-host-memory,google-build-using-namespace' \
// RUN:   --system-headers --header-filter='.*' %s -- %cuda_cxx_flags -isystem %S/Inputs/traversal-scope 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s -DHEADER=%S/Inputs/traversal-scope/vendor_alloc.h \
// RUN:       --check-prefixes=CHECK,OTHER --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-host-memory' \
// RUN:   --system-headers --header-filter='.*' %s -- %cuda_cxx_flags -isystem %S/Inputs/traversal-scope 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefixes=CHECK --implicit-check-not='{{warning|error}}:'
#include <vendor_alloc.h>
#include <cuda_runtime_api.h>

// OTHER: [[HEADER]]:3:1: warning: do not use namespace using-directives; use using-declarations instead [google-build-using-namespace]

void *staging(unsigned long n) {
  void *p = nullptr;
  cudaMallocHost(&p, n);
  // CHECK: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  return p;
}
