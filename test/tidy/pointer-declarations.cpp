// Code that loads the driver itself declares its own pointers named like the
// API and fills them by name (NVIDIA's dynlink samples: dynlink_cuda.h). A
// variable, parameter or field of function-pointer type named exactly like a
// forbidden function is a finding of that function's check; look-alikes (the
// typedef tcuMemAllocHost, names that merely contain a name, object pointers)
// are not.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s -- -x c++ -std=c++17 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
// ExemptNames exempts the declaration as it exempts a call.
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-host-memory' %s \
// RUN:   --config='{CheckOptions: {vram-host-memory.ExemptNames: "cuMemAllocHost;cuMemHostRegister;cudaMallocHost"}}' \
// RUN:   -- -x c++ -std=c++17 2>&1 | FileCheck %s --check-prefix=EXEMPT --allow-empty \
// RUN:       --implicit-check-not='{{warning|error}}:'
// EXEMPT-NOT: warning:

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

// dynlink_cuda.h's style: function types, then pointers to them.
typedef CUresult tcuMemAllocHost(void **pp, unsigned int bytesize);
typedef CUresult tcuMemAlloc(CUdeviceptr *dptr, unsigned int bytesize);
typedef CUresult tcuMemHostRegister(void *p, unsigned long bytes, unsigned int flags);
typedef CUresult (*tcuMemAllocManaged)(CUdeviceptr *dptr, unsigned long bytes, unsigned int flags);

extern tcuMemAllocHost *cuMemAllocHost;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:25: warning: cuMemAllocHost is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
tcuMemAllocHost *cuMemAllocHost;
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:18: warning: cuMemAllocHost is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
tcuMemAlloc *cuMemAlloc; // ordinary device memory: not forbidden

struct DriverTable {
  tcuMemAllocManaged cuMemAllocManaged;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:22: warning: cuMemAllocManaged is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cuMemAllocManaged allocates managed (unified) memory that can migrate to host RAM; use cuMemAlloc [vram-managed-memory]
  tcuMemAlloc &cuMemAlloc; // a reference to a function stands for it too, but cuMemAlloc is allowed
  void *cuMemHostAlloc;                 // an object pointer: a look-alike
  tcuMemAllocHost *cuMemAllocHostEntry; // contains a name: a look-alike
  int cuMemHostRegister_calls;          // not a function pointer
};

void install(tcuMemHostRegister *cuMemHostRegister, tcuMemHostRegister *hostRegister);
// CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:34: warning: cuMemHostRegister is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cuMemHostRegister page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-host-memory]

void load() {
  CUresult (*cudaMallocHost)(void **, unsigned long) = nullptr;
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:14: warning: cudaMallocHost is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
  (void)cudaMallocHost;
}
