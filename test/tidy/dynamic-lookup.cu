// vram-dynamic-lookup on a CUDA worker that resolves CUDA entry points at run
// time, host side and device side: string literals naming a forbidden
// function (with or without its _v2 / _ptsz suffix), spelled directly, made
// by stringizing or pasting, concatenated, or held in a constant.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-dynamic-lookup' %s \
// RUN:   -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-dynamic-lookup' %s \
// RUN:   -- %cuda_device_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#define STRINGIFY(x) #x
#define SYMBOL(x) STRINGIFY(x)
#define PASTED_SYMBOL(a, b) STRINGIFY(a##b)

struct Libraries {
  void *cudart;
  void *cuda;
};

void resolve(const Libraries &libs, const char *configuredName) {
  void *managed = dlsym(libs.cudart, "cudaMallocManaged");
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:38: warning: dlsym looks up cudaMallocManaged by name, which hides its use from compile-time checks: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-dynamic-lookup]
  void *pinned = dlsym(libs.cuda, "cuMemAllocHost_v2");
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:35: warning: dlsym looks up cuMemAllocHost_v2 by name, which hides its use from compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
  void *versioned = dlvsym(libs.cudart, "cudaHostAlloc", "libcudart.so.13");
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:41: warning: dlvsym looks up cudaHostAlloc by name, which hides its use from compile-time checks: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-dynamic-lookup]
  void *stringized = dlsym(libs.cuda, SYMBOL(cuMemHostRegister));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:39: warning: dlsym looks up cuMemHostRegister_v2 by name, which hides its use from compile-time checks: cuMemHostRegister page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-dynamic-lookup]
  void *pasted = dlsym(libs.cuda, PASTED_SYMBOL(cuMemHostGet, DevicePointer_v2));
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:35: warning: dlsym looks up cuMemHostGetDevicePointer_v2 by name, which hides its use from compile-time checks: cuMemHostGetDevicePointer returns a device address of mapped host memory (zero-copy), so kernels read host RAM over the bus; copy the data into cuMemAlloc memory [vram-dynamic-lookup]
  void *concatenated = dlsym(libs.cuda, "cuMem" "AllocManaged");
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:41: warning: dlsym looks up cuMemAllocManaged by name, which hides its use from compile-time checks: cuMemAllocManaged allocates managed (unified) memory that can migrate to host RAM; use cuMemAlloc [vram-dynamic-lookup]
  static constexpr char kPrefetch[] = "cudaMemPrefetchAsync_ptsz";
  void *constant = dlsym(libs.cudart, kPrefetch);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:39: warning: dlsym looks up cudaMemPrefetchAsync_ptsz by name, which hides its use from compile-time checks: cudaMemPrefetchAsync migrates managed (unified) memory between host RAM and devices; keep the data in cudaMalloc memory and copy it with cudaMemcpyAsync [vram-dynamic-lookup]
  const char *const kAdvise = "cuMemAdvise_v2";
  void *constantPointer = dlsym(libs.cuda, kAdvise);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:44: warning: dlsym looks up cuMemAdvise_v2 by name, which hides its use from compile-time checks: cuMemAdvise sets migration hints, which exist only for managed (unified) memory; keep the data in cuMemAlloc memory, which never migrates [vram-dynamic-lookup]

  void *entry = nullptr;
  CUdriverProcAddressQueryResult driverStatus;
  cuGetProcAddress("cuMemAllocHost", &entry, CUDA_VERSION, CU_GET_PROC_ADDRESS_DEFAULT,
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:20: warning: cuGetProcAddress looks up cuMemAllocHost by name (the driver resolves it to cuMemAllocHost_v2), which hides its use from compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
                   &driverStatus);
  cudaDriverEntryPointQueryResult runtimeStatus;
  cudaGetDriverEntryPointByVersion("cuMemHostAlloc", &entry, 13000, cudaEnableDefault,
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:36: warning: cudaGetDriverEntryPointByVersion looks up cuMemHostAlloc by name, which hides its use from compile-time checks: cuMemHostAlloc allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
                                   &runtimeStatus);
  auto lateLookup = [&libs] { return dlsym(libs.cudart, "cudaHostRegister"); };
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:57: warning: dlsym looks up cudaHostRegister by name, which hides its use from compile-time checks: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-dynamic-lookup]

  // Not reported: VRAM allocations, names that merely contain a forbidden
  // name, names known only at run time, strings that are not looked up.
  void *device = dlsym(libs.cudart, "cudaMalloc");
  void *lookalike = dlsym(libs.cuda, "tcuMemAllocHost");
  void *prefix = dlsym(libs.cudart, "cudaMallocManagedWrapper");
  void *configured = dlsym(libs.cudart, configuredName);
  const char *message = "cudaMallocManaged is not used here";
  (void)managed; (void)pinned; (void)versioned; (void)stringized; (void)pasted;
  (void)concatenated; (void)constant; (void)constantPointer; (void)lateLookup;
  (void)device; (void)lookalike; (void)prefix; (void)configured; (void)message;
}

// A template that is never instantiated: the lookup depends on its argument.
template <class Library> void *lookupLater(const Library &lib) {
  return dlsym(lib.handle, "cudaMallocHost");
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:28: warning: dlsym looks up cudaMallocHost by name, which hides its use from compile-time checks: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-dynamic-lookup]
}
