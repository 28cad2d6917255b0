// vram-host-memory on a CUDA worker that stages weights through pinned host
// buffers, host side and device side, against the real CUDA 13 headers.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-host-memory' %s \
// RUN:   -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-host-memory' %s \
// RUN:   -- %cuda_device_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>
#include <thrust/host_vector.h>
#include <thrust/mr/device_memory_resource.h>
#include <thrust/universal_allocator.h>
#include <thrust/universal_vector.h>

#define CUDA_CHECK(call) do { cudaError_t err_ = (call); (void)err_; } while (0)
#define CU_CHECK(call) do { CUresult res_ = (call); (void)res_; } while (0)

struct WeightStaging { void *host; size_t bytes; };

void stageWeights(WeightStaging &s, const void *file) {
  CUDA_CHECK(cudaMallocHost(&s.host, s.bytes));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  float *typed = nullptr;
  CUDA_CHECK(cudaMallocHost(&typed, s.bytes));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  CUDA_CHECK(cudaMallocHost((void **)&typed, s.bytes, cudaHostAllocPortable));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  CUDA_CHECK(cudaHostAlloc(&s.host, s.bytes, cudaHostAllocWriteCombined));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  CUDA_CHECK(cudaHostAlloc(&typed, s.bytes, cudaHostAllocDefault));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  CUDA_CHECK(cudaHostRegister(const_cast<void *>(file), s.bytes, cudaHostRegisterReadOnly));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-host-memory]
}

void driverStaging(void **host, size_t bytes) {
  CU_CHECK(cuMemAllocHost(host, bytes));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:12: warning: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
  CU_CHECK(cuMemHostAlloc(host, bytes, CU_MEMHOSTALLOC_PORTABLE));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:12: warning: cuMemHostAlloc allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
  CU_CHECK(cuMemHostRegister(*host, bytes, 0));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:12: warning: cuMemHostRegister page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-host-memory]
  cuMemAllocHost_v2(host, bytes);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemAllocHost_v2 allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
}

using HostAllocator = cudaError_t (*)(void **, size_t, unsigned int);
HostAllocator pinnedAllocator = &cudaHostAlloc;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:34: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]

template <class T> void stage(T **p, size_t n) {
  cudaMallocHost(p, n);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  cuMemAllocHost((void **)p, n);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
}

auto pin = [](void *p, size_t n) { return cudaHostRegister(p, n, 0); };
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:43: warning: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-host-memory]

thrust::universal_host_pinned_vector<float> staging(16);
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:9: warning: thrust::universal_host_pinned_vector stores its elements in page-locked (pinned) host memory; use thrust::device_vector [vram-host-memory]
thrust::cuda::universal_host_pinned_vector<int> tokenStaging;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:15: warning: thrust::universal_host_pinned_vector stores its elements in page-locked (pinned) host memory; use thrust::device_vector [vram-host-memory]
thrust::universal_host_pinned_allocator<float> pinnedFloats;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:9: warning: thrust::universal_host_pinned_allocator allocates page-locked (pinned) host memory; use thrust::device_allocator [vram-host-memory]
thrust::universal_host_pinned_memory_resource *pinnedResource = nullptr;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:9: warning: thrust::universal_host_pinned_memory_resource allocates page-locked (pinned) host memory; use thrust::device_memory_resource [vram-host-memory]
thrust::host_vector<float, thrust::universal_host_pinned_allocator<float>> pinnedHostVector;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:36: warning: thrust::universal_host_pinned_allocator allocates page-locked (pinned) host memory; use thrust::device_allocator [vram-host-memory]
