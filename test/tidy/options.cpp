// CheckOptions of the vram-* checks (Inputs/options.yaml): ExtraFunctions add
// the worker's own wrappers, with the worker's reason; ExemptNames remove
// names (a flag also when spelled as a number; a lookup function entirely).
//
// RUN: %clang_tidy --load=%tidy_module --config-file=%S/Inputs/options.yaml %s \
// RUN:   -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

void stagePinned(void **p, size_t n);
void allocUnified(void **p, size_t n);
namespace io {
void mapWeights(const char *path, void **p);
}
namespace other {
void mapWeights(const char *path, void **p);
}

void worker(void *lib, void **p) {
  stagePinned(p, 16);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: stagePinned pins a staging buffer in host RAM, use DeviceArena::allocate [vram-host-memory]
  io::mapWeights("weights.bin", p);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:7: warning: io::mapWeights maps the weight file into pinned host memory, load it with cuFile into VRAM [vram-host-memory]
  other::mapWeights("weights.bin", p);
  allocUnified(p, 16);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: allocUnified allocates managed memory through the worker's unified pool, use DeviceArena::allocate [vram-managed-memory]
  cudaHostRegister(*p, 16, 0);
  cudaHostAlloc(p, 16, 0);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  cudaSetDeviceFlags(cudaDeviceMapHost);
  cudaSetDeviceFlags(0x08);
  cudaHostAlloc(p, 16, cudaHostAllocMapped);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-2]]:24: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  dlsym(lib, "stagePinned");
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: dlsym looks up stagePinned by name, which hides its use from compile-time checks: stagePinned pins a staging buffer in host RAM [vram-dynamic-lookup]
  dlsym(lib, "cuMemAllocHost");
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: dlsym looks up cuMemAllocHost by name, which hides its use from compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
  void *entry = nullptr;
  cuGetProcAddress("cuMemAllocHost", &entry, 13000, CU_GET_PROC_ADDRESS_DEFAULT, nullptr);
  auto *pinner = &stagePinned;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:19: warning: stagePinned pins a staging buffer in host RAM, use DeviceArena::allocate [vram-host-memory]
  (void)pinner;
}
