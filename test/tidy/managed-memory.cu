// vram-managed-memory on a CUDA worker, host side and device side, against
// the real CUDA 13 headers. Every finding is matched by file, line, column
// and full text; any other warning or error fails the test.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-managed-memory' %s \
// RUN:   -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefixes=CHECK-MESSAGES,HOST \
// RUN:       --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-managed-memory' %s \
// RUN:   -- %cuda_device_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefixes=CHECK-MESSAGES,DEVICE \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>
#include <thrust/mr/device_memory_resource.h>
#include <thrust/universal_allocator.h>
#include <thrust/universal_ptr.h>
#include <thrust/universal_vector.h>

#define CUDA_CHECK(call) do { cudaError_t err_ = (call); (void)err_; } while (0)
#define CU_CHECK(call) do { CUresult res_ = (call); (void)res_; } while (0)
#define ALLOC_KV(ptr, bytes) cudaMallocManaged(ptr, bytes)
#define MANAGED_VAR(type, name) __managed__ type name

__managed__ int step_counter;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:1: warning: __managed__ declares a managed (unified) variable that can migrate to host RAM; declare it __device__ or allocate it with cudaMalloc [vram-managed-memory]
MANAGED_VAR(float, scale);
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:1: warning: __managed__ declares a managed (unified) variable that can migrate to host RAM; declare it __device__ or allocate it with cudaMalloc [vram-managed-memory]
// Kernels use __managed__ variables: the device side must parse them.
__global__ void countStep() { atomicAdd(&step_counter, 1); scale *= 2.0f; }

struct KvCache { float *pages; size_t bytes; };

void allocateCache(KvCache &cache, cudaStream_t stream, int device) {
  CUDA_CHECK(cudaMallocManaged(&cache.pages, cache.bytes));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  cudaMallocManaged((void **)&cache.pages, cache.bytes, cudaMemAttachGlobal);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  ::cudaMallocManaged(&cache.pages, cache.bytes, cudaMemAttachHost);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:5: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  ALLOC_KV(&cache.pages, cache.bytes);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  cudaMemLocation loc{};
  loc.type = cudaMemLocationTypeDevice;
  loc.id = device;
  cudaMemAdvise(cache.pages, cache.bytes, cudaMemAdviseSetReadMostly, loc);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMemAdvise sets migration hints, which exist only for managed (unified) memory; keep the data in cudaMalloc memory, which never migrates [vram-managed-memory]
  cudaMemPrefetchAsync(cache.pages, cache.bytes, loc, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMemPrefetchAsync migrates managed (unified) memory between host RAM and devices; keep the data in cudaMalloc memory and copy it with cudaMemcpyAsync [vram-managed-memory]
  cudaStreamAttachMemAsync(stream, cache.pages);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaStreamAttachMemAsync attaches managed (unified) memory to a stream, which exists only for managed memory; keep the data in cudaMalloc memory [vram-managed-memory]
  cudaStreamAttachMemAsync(stream, (void *)cache.pages, 0, cudaMemAttachSingle);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaStreamAttachMemAsync attaches managed (unified) memory to a stream, which exists only for managed memory; keep the data in cudaMalloc memory [vram-managed-memory]
}

void driverCache(CUdeviceptr *pages, size_t bytes, CUstream stream, CUmemLocation loc) {
  CU_CHECK(cuMemAllocManaged(pages, bytes, CU_MEM_ATTACH_GLOBAL));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:12: warning: cuMemAllocManaged allocates managed (unified) memory that can migrate to host RAM; use cuMemAlloc [vram-managed-memory]
  cuMemAdvise(*pages, bytes, CU_MEM_ADVISE_SET_READ_MOSTLY, loc);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemAdvise sets migration hints, which exist only for managed (unified) memory; keep the data in cuMemAlloc memory, which never migrates [vram-managed-memory]
  cuMemPrefetchAsync(*pages, bytes, loc, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemPrefetchAsync migrates managed (unified) memory between host RAM and devices; keep the data in cuMemAlloc memory and copy it with cuMemcpyAsync [vram-managed-memory]
  cuStreamAttachMemAsync(stream, *pages, 0, CU_MEM_ATTACH_SINGLE);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuStreamAttachMemAsync attaches managed (unified) memory to a stream, which exists only for managed memory; keep the data in cuMemAlloc memory [vram-managed-memory]
  size_t sizes[1] = {bytes};
  size_t locationIndices[1] = {0};
  cuMemPrefetchBatchAsync(pages, sizes, 1, &loc, locationIndices, 1, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemPrefetchBatchAsync migrates managed (unified) memory between host RAM and devices; keep the data in cuMemAlloc memory and copy it with cuMemcpyAsync [vram-managed-memory]
  cuMemDiscardBatchAsync(pages, sizes, 1, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemDiscardBatchAsync discards pages of managed (unified) memory, which exists only for managed memory; keep the data in cuMemAlloc memory [vram-managed-memory]
  cuMemDiscardAndPrefetchBatchAsync(pages, sizes, 1, &loc, locationIndices, 1, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemDiscardAndPrefetchBatchAsync discards and migrates managed (unified) memory between host RAM and devices; keep the data in cuMemAlloc memory and copy it with cuMemcpyAsync [vram-managed-memory]
}

// Function pointers and address-of.
using ManagedAllocator = cudaError_t (*)(void **, size_t, unsigned int);
ManagedAllocator pickAllocator() { return &cudaMallocManaged; }
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:44: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
ManagedAllocator defaultAllocator = cudaMallocManaged;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:37: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]

// Templates that are never instantiated: dependent calls by name.
template <class T> struct Pool {
  T *grow(size_t n) { T *p; cudaMallocManaged(&p, n * sizeof(T)); return p; }
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:29: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
};
template <class T> void fill(T **out, size_t n) { ::cudaMallocManaged(out, n); }
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:53: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]

// Instantiated twice, reported once, in the template.
template <class T> T *makeManaged(size_t n) {
  T *p = nullptr;
  cudaMallocManaged(&p, n * sizeof(T));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  return p;
}
float *instantiatedTwice = makeManaged<float>(16) + (long)makeManaged<int>(16);

void lambdas(float **p) {
  auto grow = [p](size_t n) { return cudaMallocManaged(p, n); };
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:38: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  auto generic = [](auto **q, size_t n) { return cudaMallocManaged(q, n); };
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:50: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  grow(4);
  (void)generic;
}

// Host code of a __host__ __device__ function: seen by the host pass only.
__host__ __device__ void hostDevice(float **p) {
#ifndef __CUDA_ARCH__
  cudaMallocManaged(p, 16);
  // HOST: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
#endif
}

// Device-only code: seen by the device pass only.
#ifdef __CUDA_ARCH__
__managed__ int device_pass_only;
// DEVICE: [[FILE]]:[[@LINE-1]]:1: warning: __managed__ declares a managed (unified) variable that can migrate to host RAM; declare it __device__ or allocate it with cudaMalloc [vram-managed-memory]
#endif

thrust::universal_vector<float> logits(1024);
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:9: warning: thrust::universal_vector stores its elements in managed (unified) memory that can migrate to host RAM; use thrust::device_vector [vram-managed-memory]
thrust::cuda::universal_vector<int> tokens;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:15: warning: thrust::universal_vector stores its elements in managed (unified) memory that can migrate to host RAM; use thrust::device_vector [vram-managed-memory]
thrust::universal_allocator<float> logitsAllocator;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:9: warning: thrust::universal_allocator allocates managed (unified) memory that can migrate to host RAM; use thrust::device_allocator [vram-managed-memory]
thrust::universal_ptr<float> logitsPointer;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:9: warning: thrust::universal_ptr points to managed (unified) memory that can migrate to host RAM; use thrust::device_ptr [vram-managed-memory]
thrust::universal_memory_resource *logitsResource = nullptr;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:9: warning: thrust::universal_memory_resource allocates managed (unified) memory that can migrate to host RAM; use thrust::device_memory_resource [vram-managed-memory]
// Reported where the alias is written, not where it is used.
using Logits = thrust::universal_vector<float>;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:24: warning: thrust::universal_vector stores its elements in managed (unified) memory that can migrate to host RAM; use thrust::device_vector [vram-managed-memory]
Logits notReportedAgain(4);
