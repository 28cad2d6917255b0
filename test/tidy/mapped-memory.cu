// vram-mapped-memory on a zero-copy CUDA worker, host side and device side:
// mapped flags however spelled (macro, enumerator, literal, constexpr
// variable, | expression), each reported once where the flag is spelled;
// device pointers of host memory; host memory locations, even when only
// stored.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-mapped-memory' %s \
// RUN:   -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-mapped-memory' %s \
// RUN:   -- %cuda_device_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(call) do { cudaError_t err_ = (call); (void)err_; } while (0)
// A definition expands nothing: reported where it is used.
#define ZERO_COPY_FLAGS (cudaHostAllocMapped | cudaHostAllocPortable)

constexpr unsigned kMappedFlags = cudaHostAllocMapped | cudaHostAllocWriteCombined;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:35: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
constexpr unsigned kLiteralMapped = 0x02;
enum class AllocFlags : unsigned { Mapped = 2 };

void zeroCopy(float **host, float **device, size_t n, void *file) {
  CUDA_CHECK(cudaSetDeviceFlags(cudaDeviceMapHost));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:33: warning: cudaDeviceMapHost lets the device map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  CUDA_CHECK(cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync | 0x08));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:33: warning: cudaSetDeviceFlags flags include cudaDeviceMapHost (0x08), which lets the device map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  CUDA_CHECK(cudaHostAlloc(host, n, cudaHostAllocMapped));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:37: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostAlloc(host, n, cudaHostAllocPortable | cudaHostAllocMapped));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:61: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostAlloc(host, n, ZERO_COPY_FLAGS));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:37: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostAlloc(host, n, kMappedFlags));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:37: warning: cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostAlloc(host, n, kLiteralMapped));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:37: warning: cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostAlloc(host, n, 2));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:37: warning: cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostAlloc(host, n, static_cast<unsigned>(AllocFlags::Mapped)));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:37: warning: cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaMallocHost((void **)host, n, 0x2));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:47: warning: cudaMallocHost flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostRegister(file, n, cudaHostRegisterMapped | cudaHostRegisterReadOnly));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:40: warning: cudaHostRegisterMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and copy the data into cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostRegister(file, n, 0x02));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:40: warning: cudaHostRegister flags include cudaHostRegisterMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and copy the data into cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostGetDevicePointer((void **)device, *host, 0));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaHostGetDevicePointer returns a device address of mapped host memory (zero-copy), so kernels read host RAM over the bus; copy the data into cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaHostGetDevicePointer(device, *host, 0));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaHostGetDevicePointer returns a device address of mapped host memory (zero-copy), so kernels read host RAM over the bus; copy the data into cudaMalloc memory [vram-mapped-memory]
  CUDA_CHECK(cudaInitDevice(0, cudaDeviceMapHost, cudaInitDeviceFlagsAreValid));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:32: warning: cudaDeviceMapHost lets the device map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  CUDA_CHECK(cudaInitDevice(0, 0x08, cudaInitDeviceFlagsAreValid));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:32: warning: cudaInitDevice flags include cudaDeviceMapHost (0x08), which lets the device map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  unsigned savedFlags = cudaHostAllocMapped;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:25: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  (void)savedFlags;
  // No mapped bit: nothing for this check.
  CUDA_CHECK(cudaHostAlloc(host, n, cudaHostAllocPortable | cudaHostAllocWriteCombined));
  CUDA_CHECK(cudaSetDeviceFlags(cudaDeviceScheduleSpin));
}

void driverZeroCopy(void **host, CUdeviceptr *device, size_t n, CUdevice dev) {
  CUcontext ctx;
  cuCtxCreate(&ctx, nullptr, CU_CTX_MAP_HOST | CU_CTX_SCHED_AUTO, dev);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:30: warning: CU_CTX_MAP_HOST lets the context map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  cuCtxCreate(&ctx, nullptr, 0x08, dev);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:30: warning: cuCtxCreate flags include CU_CTX_MAP_HOST (0x08), which lets the context map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  cuDevicePrimaryCtxSetFlags(dev, CU_CTX_MAP_HOST);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:35: warning: CU_CTX_MAP_HOST lets the context map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  cuDevicePrimaryCtxSetFlags(dev, 8);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:35: warning: cuDevicePrimaryCtxSetFlags flags include CU_CTX_MAP_HOST (0x08), which lets the context map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  cuCtxSetFlags(CU_CTX_MAP_HOST);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:17: warning: CU_CTX_MAP_HOST lets the context map page-locked host memory (zero-copy); remove the flag [vram-mapped-memory]
  cuMemHostAlloc(host, n, CU_MEMHOSTALLOC_DEVICEMAP);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:27: warning: CU_MEMHOSTALLOC_DEVICEMAP maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cuMemAlloc memory [vram-mapped-memory]
  cuMemHostAlloc(host, n, 0x02 | CU_MEMHOSTALLOC_PORTABLE);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:27: warning: cuMemHostAlloc flags include CU_MEMHOSTALLOC_DEVICEMAP (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cuMemAlloc memory [vram-mapped-memory]
  cuMemHostRegister(*host, n, CU_MEMHOSTREGISTER_DEVICEMAP);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:31: warning: CU_MEMHOSTREGISTER_DEVICEMAP maps page-locked host memory into the device address space (zero-copy); remove the flag and copy the data into cuMemAlloc memory [vram-mapped-memory]
  cuMemHostRegister(*host, n, 2);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:31: warning: cuMemHostRegister flags include CU_MEMHOSTREGISTER_DEVICEMAP (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and copy the data into cuMemAlloc memory [vram-mapped-memory]
  cuMemHostGetDevicePointer(device, *host, 0);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemHostGetDevicePointer returns a device address of mapped host memory (zero-copy), so kernels read host RAM over the bus; copy the data into cuMemAlloc memory [vram-mapped-memory]
}

void hostLocations(int numaNode) {
  cudaMemLocation location{};
  location.type = cudaMemLocationTypeHost;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:19: warning: cudaMemLocationTypeHost places memory in host RAM; use cudaMemLocationTypeDevice [vram-mapped-memory]
  location.type = cudaMemLocationTypeHostNuma;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:19: warning: cudaMemLocationTypeHostNuma places memory in host RAM (a host NUMA node); use cudaMemLocationTypeDevice [vram-mapped-memory]
  location.type = cudaMemLocationTypeHostNumaCurrent;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:19: warning: cudaMemLocationTypeHostNumaCurrent places memory in host RAM (the calling thread's NUMA node); use cudaMemLocationTypeDevice [vram-mapped-memory]
  cudaMemPoolProps poolProps{};
  poolProps.location.type = cudaMemLocationTypeHostNuma;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:29: warning: cudaMemLocationTypeHostNuma places memory in host RAM (a host NUMA node); use cudaMemLocationTypeDevice [vram-mapped-memory]
  poolProps.location.id = numaNode;
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location = {CU_MEM_LOCATION_TYPE_HOST, 0};
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:20: warning: CU_MEM_LOCATION_TYPE_HOST places memory in host RAM; use CU_MEM_LOCATION_TYPE_DEVICE [vram-mapped-memory]
  const CUmemLocationType stored[] = {CU_MEM_LOCATION_TYPE_HOST_NUMA,
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:39: warning: CU_MEM_LOCATION_TYPE_HOST_NUMA places memory in host RAM (a host NUMA node); use CU_MEM_LOCATION_TYPE_DEVICE [vram-mapped-memory]
                                      CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT};
                                      // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:39: warning: CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT places memory in host RAM (the calling thread's NUMA node); use CU_MEM_LOCATION_TYPE_DEVICE [vram-mapped-memory]
  (void)stored;
}

// Flags known only in an instantiation: reported in the template, once.
template <unsigned Flags> void allocWith(void **p, size_t n) {
  cudaHostAlloc(p, n, Flags);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:23: warning: cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
}
void instantiate(void **p) {
  allocWith<2>(p, 16);
  allocWith<3>(p, 16);
  allocWith<1>(p, 16);
}

// A template that is never instantiated: the call is resolved only by name,
// its flags are constant anyway.
template <class T> void mapLater(T **p, size_t n) {
  cudaHostAlloc(p, n, 2);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:23: warning: cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
  cudaHostAlloc(p, n, cudaHostAllocMapped);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:23: warning: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory]
}
