// -fplugin-arg-vram_only-warn: findings are warnings and the compile
// succeeds. Every side is analysed (the host job and one device job per GPU
// architecture), and each finding appears once, whichever jobs see it.
//
// RUN: %clang -fsyntax-only -fplugin=%plugin -fplugin-arg-vram_only-warn \
// RUN:   %cuda_flags --cuda-gpu-arch=sm_80 %s 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning:

#include <cuda_runtime.h>

__host__ __device__ int location_kind() {
#ifdef __CUDA_ARCH__
  // Seen only by the device jobs.
  return cudaMemLocationTypeHost;
  // CHECK-DAG: warn.cu:[[@LINE-1]]:10: warning: cudaMemLocationTypeHost places memory in host RAM; use cudaMemLocationTypeDevice [vram-mapped-memory]
#else
  return cudaMemLocationTypeDevice;
#endif
}

int main() {
#ifndef __CUDA_ARCH__
  // Seen only by the host job.
  void *staging = nullptr;
  cudaMallocHost(&staging, 4096);
  // CHECK-DAG: warn.cu:[[@LINE-1]]:3: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
#endif
  // Seen by every job.
  float *kv = nullptr;
  cudaMallocManaged(&kv, 4096);
  // CHECK-DAG: warn.cu:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  return location_kind();
}
