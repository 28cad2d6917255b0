// vram-host-memory on host C++ (the toolkit included with -I): the C API,
// cuda_runtime.h's overloads, cuda.h's _v2 renames, the worker's own macros,
// and dependent calls in a template.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-host-memory' %s \
// RUN:   --header-filter='.*' -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>

#define PIN_OR_DIE(ptr, bytes) \
  do { if (cudaHostRegister(ptr, bytes, cudaHostRegisterPortable) != cudaSuccess) abort(); } while (0)
extern "C" void abort();

class WeightLoader {
public:
  explicit WeightLoader(size_t bytes) : bytes_(bytes) {
    cudaMallocHost(&staging_, bytes_);
    // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:5: warning: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  }
  void pinMapped(void *file) { PIN_OR_DIE(file, bytes_); }
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:32: warning: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-host-memory]
  void driverStage(void **out) {
    cuMemHostAlloc(out, bytes_, 0);
    // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:5: warning: cuMemHostAlloc allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
    cuMemHostRegister(*out, bytes_, CU_MEMHOSTREGISTER_READ_ONLY);
    // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:5: warning: cuMemHostRegister page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-host-memory]
    cuMemHostRegister_v2(*out, bytes_, 0);
    // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:5: warning: cuMemHostRegister_v2 page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-host-memory]
  }

private:
  float *staging_ = nullptr;
  size_t bytes_;
};

template <class Buffer> void restage(Buffer &b, size_t n) {
  cudaHostAlloc(&b.data, n, cudaHostAllocDefault);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
}
