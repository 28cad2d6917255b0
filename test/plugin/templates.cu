// The plugin matches only the user's declarations (system and toolkit
// headers are skipped), yet nothing of the user's code is missed: templates
// never instantiated, flags known only in an instantiation, lambdas,
// out-of-line members, user headers.
//
// RUN: %clang -fsyntax-only -fplugin=%plugin -fplugin-arg-vram_only-warn %cuda_flags -I%S/Inputs %s 2>&1 \
// RUN:   | FileCheck %s -DHDR=%S/Inputs --implicit-check-not=error: --implicit-check-not=warning:

#include "staging.h"
// CHECK-DAG: [[HDR]]/staging.h:7:3: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]

#include <thrust/device_vector.h>

template <typename T> void never_instantiated(T **p, size_t n) {
  cudaMallocManaged(p, n * sizeof(T));
  // CHECK-DAG: templates.cu:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
}

template <unsigned Flags> void host_alloc(void **p) {
  cudaHostAlloc(p, 64, Flags);
  // CHECK-DAG: templates.cu:[[@LINE-1]]:3: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  // CHECK-DAG: templates.cu:[[@LINE-2]]:24: warning: cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
}

struct Cache {
  void grow(size_t n);
  float *data = nullptr;
};

void Cache::grow(size_t n) {
  auto allocate = [&](size_t bytes) { return cudaMallocManaged(&data, bytes); };
  // CHECK-DAG: templates.cu:[[@LINE-1]]:46: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  allocate(n);
}

int main() {
  void *p = nullptr;
  host_alloc<2>(&p);
  host_alloc<0>(&p);
  thrust::device_vector<float> ok(16);
  return 0;
}
