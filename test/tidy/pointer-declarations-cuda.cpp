// With cuda.h included, cuda.h's macros rename a pointer named like the API
// (cuMemAllocHost -> cuMemAllocHost_v2): the finding keeps the name the code
// spells. cudaTypedefs.h's PFN_ types are look-alikes.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cudaTypedefs.h>

struct DriverEntryPoints {
  PFN_cuMemAllocHost_v3020 cuMemAllocHost;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:28: warning: cuMemAllocHost is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
  PFN_cuMemHostRegister_v6050 cuMemHostRegister_v2;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:31: warning: cuMemHostRegister_v2 is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cuMemHostRegister page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-host-memory]
  PFN_cuMemAlloc_v3020 cuMemAlloc;
  PFN_cuMemAllocHost_v3020 allocHost;
};
