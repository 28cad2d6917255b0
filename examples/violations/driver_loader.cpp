// Resolves driver entry points at run time, as workers that avoid linking
// libcuda do. A function looked up by name never shows up as a call, so the
// checks report the lookup instead.
#include <dlfcn.h>

#include "../common/cuda_check.h"

using MemAllocManagedFn = CUresult (*)(CUdeviceptr *, size_t, unsigned int);
using MemHostAllocFn = CUresult (*)(void **, size_t, unsigned int);

struct DriverApi {
  void *library = nullptr;
  MemAllocManagedFn memAllocManaged = nullptr;
  MemHostAllocFn memHostAlloc = nullptr;
};

DriverApi loadDriverApi() {
  DriverApi api;
  api.library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  api.memAllocManaged = reinterpret_cast<MemAllocManagedFn>(
      dlsym(api.library, "cuMemAllocManaged"));

  void *entry = nullptr;
  CUdriverProcAddressQueryResult status;
  CU_CHECK(cuGetProcAddress("cuMemHostAlloc", &entry, CUDA_VERSION,
                            CU_GET_PROC_ADDRESS_DEFAULT, &status));
  api.memHostAlloc = reinterpret_cast<MemHostAllocFn>(entry);
  return api;
}
