// The plugin makes a CUDA compile fail on a violation: the finding is an
// error with the check name, at the user's line, with its fix-it, and
// appears once although the host and device jobs both see it.
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin %cuda_flags %s 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning:
// A real compile (-c) fails the same way and writes no object.
// RUN: rm -f %t.o
// RUN: not %clang -c -fplugin=%plugin %cuda_flags --cuda-host-only %s -o %t.o 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning:
// RUN: not test -e %t.o

#include <cuda_runtime.h>

__global__ void fill(float *p) { p[threadIdx.x] = 1.0f; }

int main() {
  float *kv = nullptr;
  cudaMallocManaged(&kv, 1024 * sizeof(float));
  // CHECK: errors.cu:[[@LINE-1]]:3: error: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  // CHECK-NEXT: {{^}}   [[@LINE-2]] |   cudaMallocManaged(&kv, 1024 * sizeof(float));
  // CHECK-NEXT: {{^}}      |   ^~~~~~~~~~~~~~~~~
  // CHECK-NEXT: {{^}}      |   cudaMalloc
  fill<<<1, 32>>>(kv);
  return 0;
}
// CHECK: 1 error generated
