// vram-dynamic-lookup on host C++ (the toolkit included with -I), also with
// per-thread default streams, where cuda_runtime_api.h renames the runtime's
// lookup functions (_ptsz): the findings keep the names the code spells.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-dynamic-lookup' %s \
// RUN:   -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-dynamic-lookup' %s \
// RUN:   -- %cuda_cxx_flags -DCUDA_API_PER_THREAD_DEFAULT_STREAM 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

class DriverTable {
public:
  explicit DriverTable(void *libcuda) : libcuda_(libcuda) {}

  void load() {
    cudaDriverEntryPointQueryResult status;
    cudaGetDriverEntryPoint("cuMemAllocManaged", &allocManaged_, cudaEnableDefault, &status);
    // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:29: warning: cudaGetDriverEntryPoint looks up cuMemAllocManaged by name, which hides its use from compile-time checks: cuMemAllocManaged allocates managed (unified) memory that can migrate to host RAM; use cuMemAlloc [vram-dynamic-lookup]
    cudaGetDriverEntryPoint("cuMemAlloc", &alloc_, cudaEnableDefault, &status);
    cuGetProcAddress_v2("cuMemHostRegister", &hostRegister_, 13000,
    // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:25: warning: cuGetProcAddress_v2 looks up cuMemHostRegister by name (the driver resolves it to cuMemHostRegister_v2), which hides its use from compile-time checks: cuMemHostRegister page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-dynamic-lookup]
                        CU_GET_PROC_ADDRESS_DEFAULT, nullptr);
    ::dlsym(libcuda_, "cuMemHostAlloc");
    // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:23: warning: dlsym looks up cuMemHostAlloc by name, which hides its use from compile-time checks: cuMemHostAlloc allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
  }

private:
  void *libcuda_;
  void *allocManaged_ = nullptr;
  void *alloc_ = nullptr;
  void *hostRegister_ = nullptr;
};
