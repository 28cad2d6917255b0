// Fix-its of vram-managed-memory: a managed allocation becomes a device
// allocation where that keeps the meaning of the call (no flags, or the
// default cudaMemAttachGlobal / CU_MEM_ATTACH_GLOBAL). The fixed copy must
// still parse, and still report exactly the calls that had no fix.
// (--match-full-lines: the CHECK-FIXES comments never match themselves.)
//
// RUN: cp %s %t.cu
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-managed-memory' %t.cu \
// RUN:   --fix -- %cuda_host_flags 2>&1 | FileCheck %s --check-prefix=APPLIED
// RUN: FileCheck %s --input-file=%t.cu --check-prefix=CHECK-FIXES \
// RUN:   --match-full-lines --strict-whitespace
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-managed-memory' %t.cu \
// RUN:   -- %cuda_host_flags 2>&1 | FileCheck %s --check-prefix=REMAINING \
// RUN:   -DFILE=%t.cu --implicit-check-not='{{warning|error}}:'
//
// APPLIED: clang-tidy applied 15 of 15 suggested fixes.

#include <cuda.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(call) do { cudaError_t err_ = (call); (void)err_; } while (0)
#define ALLOC_KV(ptr, bytes) cudaMallocManaged(ptr, bytes)

template <class T> void grow(T **p, size_t n) {
  cudaMallocManaged(p, n * sizeof(T));
}
// CHECK-FIXES:template <class T> void grow(T **p, size_t n) {
// CHECK-FIXES-NEXT:  cudaMalloc(p, n * sizeof(T));
// CHECK-FIXES-NEXT:}

void fixed(float *p, size_t n, CUdeviceptr d) {
  cudaMallocManaged(&p, n);
  cudaMallocManaged(&p, n, cudaMemAttachGlobal);
  cudaMallocManaged((void **)&p, n, 0x01);
  ::cudaMallocManaged(&p, n);
  CUDA_CHECK(cudaMallocManaged(&p, n, cudaMemAttachGlobal));
  cuMemAllocManaged(&d, n, CU_MEM_ATTACH_GLOBAL);
  cudaMallocManaged(&p, n /* bytes */, cudaMemAttachGlobal);
}
// CHECK-FIXES:void fixed(float *p, size_t n, CUdeviceptr d) {
// CHECK-FIXES-NEXT:  cudaMalloc(&p, n);
// CHECK-FIXES-NEXT:  cudaMalloc(&p, n);
// CHECK-FIXES-NEXT:  cudaMalloc((void **)&p, n);
// CHECK-FIXES-NEXT:  ::cudaMalloc(&p, n);
// CHECK-FIXES-NEXT:  CUDA_CHECK(cudaMalloc(&p, n));
// CHECK-FIXES-NEXT:  cuMemAlloc(&d, n);
// CHECK-FIXES-NEXT:  cudaMalloc(&p, n /* bytes */);
// CHECK-FIXES-NEXT:}

// No fix: another attach mode, flags known only at run time, a macro body,
// a function pointer.
using ManagedAllocator = cudaError_t (*)(void **, size_t, unsigned int);
void unchanged(float *p, size_t n, CUdeviceptr d, unsigned flags) {
  cudaMallocManaged(&p, n, cudaMemAttachHost);
  // REMAINING: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  cuMemAllocManaged(&d, n, CU_MEM_ATTACH_HOST);
  // REMAINING: [[FILE]]:[[@LINE-1]]:3: warning: cuMemAllocManaged allocates managed (unified) memory that can migrate to host RAM; use cuMemAlloc [vram-managed-memory]
  cudaMallocManaged(&p, n, flags);
  // REMAINING: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  ALLOC_KV(&p, n);
  // REMAINING: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  ManagedAllocator allocate = &cudaMallocManaged;
  // REMAINING: [[FILE]]:[[@LINE-1]]:32: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  (void)allocate;
}
// CHECK-FIXES:void unchanged(float *p, size_t n, CUdeviceptr d, unsigned flags) {
// CHECK-FIXES-NEXT:  cudaMallocManaged(&p, n, cudaMemAttachHost);
// CHECK-FIXES:  cuMemAllocManaged(&d, n, CU_MEM_ATTACH_HOST);
// CHECK-FIXES:  cudaMallocManaged(&p, n, flags);
// CHECK-FIXES:  ALLOC_KV(&p, n);
// CHECK-FIXES:  ManagedAllocator allocate = &cudaMallocManaged;

// Last in the file: this fix joins two lines.
void multiline(float *p, size_t n) {
  cudaMallocManaged(&p,
                    n,
                    cudaMemAttachGlobal);
}
// CHECK-FIXES:void multiline(float *p, size_t n) {
// CHECK-FIXES-NEXT:  cudaMalloc(&p,
// CHECK-FIXES-NEXT:                    n);
// CHECK-FIXES-NEXT:}
