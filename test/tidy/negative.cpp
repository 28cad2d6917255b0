// Host C++ (the toolkit included with -I) that is VRAM-only: all four checks
// stay silent, also with --header-filter='.*' --system-headers, where
// anything reported inside the CUDA headers would show.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s \
// RUN:   --header-filter='.*' --system-headers -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck /dev/null --allow-empty --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>
#include <thrust/device_vector.h>

class DeviceArena {
public:
  explicit DeviceArena(size_t bytes) { cudaMalloc(&base_, bytes); }
  ~DeviceArena() { cudaFree(base_); }
  void *base() const { return base_; }

private:
  void *base_ = nullptr;
};

template <class T> T *allocateDevice(size_t n) {
  T *p = nullptr;
  cudaMalloc(&p, n * sizeof(T));
  return p;
}

int main() {
  DeviceArena arena(1 << 20);
  float *logits = allocateDevice<float>(1024);
  int canMapHostMemory = 0;
  cudaDeviceGetAttribute(&canMapHostMemory, cudaDevAttrCanMapHostMemory, 0);
  cudaFree(logits);
  return canMapHostMemory;
}
