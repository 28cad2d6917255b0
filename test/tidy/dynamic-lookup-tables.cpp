// vram-dynamic-lookup when the looked-up name comes from constant data: a
// dynlink loader's table of structs walked by a loop, a constant array of
// names indexed by a loop variable, std::string and std::string_view made
// from a literal or joined with `+`, locals their function never changes.
// Where the lookup selects among a table's entries, each
// forbidden name is reported where the table writes it, with a note at the
// lookup; a name the lookup's own argument holds is reported there. The
// three front ends print the same lines (clang-tidy with warnings, exit 0;
// vram-check and the plugin with errors, exit 1).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %S/../vram-check/Inputs/expect-exit.sh 0 %clang_tidy --load=%tidy_module \
// RUN:   --checks='-*,vram-dynamic-lookup' %s -- %cuda_cxx_flags > %t/tidy.txt 2>&1
// RUN: %python %S/../vram-check/Inputs/sort-diagnostics.py < %t/tidy.txt \
// RUN:   | FileCheck %s -DFILE=%s -DSEV=warning --implicit-check-not='{{warning|error|note}}:'
// RUN: %S/../vram-check/Inputs/expect-exit.sh 1 %vram_check --checks='-*,vram-dynamic-lookup' \
// RUN:   %s -- %cuda_cxx_flags > %t/check.txt 2> %t/check-err.txt
// RUN: %python %S/../vram-check/Inputs/sort-diagnostics.py < %t/check.txt \
// RUN:   | FileCheck %s -DFILE=%s -DSEV=error --implicit-check-not='{{warning|error|note}}:'
// RUN: FileCheck %s --check-prefix=SUMMARY < %t/check-err.txt
// RUN: %S/../vram-check/Inputs/expect-exit.sh 1 %clang -fsyntax-only -fplugin=%plugin \
// RUN:   -fplugin-arg-vram_only-checks=-*,vram-dynamic-lookup %cuda_cxx_flags %s > %t/plugin.txt 2>&1
// RUN: %python %S/../vram-check/Inputs/sort-diagnostics.py < %t/plugin.txt \
// RUN:   | FileCheck %s -DFILE=%s -DSEV=error --implicit-check-not='{{warning|error|note}}:'
// (sort-diagnostics.py: each finding with its notes, in source order; the
// plugin reports in the order it matches.)
//
// SUMMARY: vram-check: 1 source(s); 1 of 1 side(s) analysed; 0 not analysed; 14 finding(s)

#include <cuda.h>
#include <dlfcn.h>
#include <cstring>
#include <string>
#include <string_view>

// A dynlink loader (cuda-samples' dynlink, llama.cpp's ggml-cuda vendor
// headers): a constant table of names and the pointers they fill.
static void *allocHost, *alloc, *allocManaged, *free_;
static const struct {
  const char *name;
  void **fn;
} kDriverTable[] = {
    {"cuMemAllocHost_v2", &allocHost},
    // CHECK: [[FILE]]:[[@LINE-1]]:6: [[SEV]]: dlsym looks up cuMemAllocHost_v2 by name, which hides its use from compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
    // CHECK-NEXT: [[FILE]]:[[@LINE+9]]:32: note: dlsym looks up cuMemAllocHost_v2 here
    {"cuMemAlloc_v2", &alloc},
    {"cuMemAllocManaged", &allocManaged},
    // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:6: [[SEV]]: dlsym looks up cuMemAllocManaged by name, which hides its use from compile-time checks: cuMemAllocManaged allocates managed (unified) memory that can migrate to host RAM; use cuMemAlloc [vram-dynamic-lookup]
    // CHECK-NEXT: [[FILE]]:[[@LINE+5]]:32: note: dlsym looks up cuMemAllocManaged here
    {"cuMemFree_v2", &free_},
};
void loadDriver(void *libcuda) {
  for (const auto &entry : kDriverTable)
    *entry.fn = dlsym(libcuda, entry.name);
}

// A constant array of names, indexed by a loop variable.
constexpr const char *const kRuntimeNames[] = {"cudaMalloc", "cudaHostAlloc", "cudaFree"};
// CHECK-NEXT: [[FILE]]:[[@LINE-1]]:62: [[SEV]]: dlsym looks up cudaHostAlloc by name, which hides its use from compile-time checks: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-dynamic-lookup]
// CHECK-NEXT: [[FILE]]:[[@LINE+3]]:31: note: dlsym looks up cudaHostAlloc here
void loadRuntime(void *libcudart, void **out) {
  for (unsigned i = 0; i < 3; ++i)
    out[i] = dlsym(libcudart, kRuntimeNames[i]);
}

// The same with the table indexed: table[i].name.
struct Symbol {
  const char *name;
  const char *why;
};
static const Symbol kRegisterTable[2] = {
    {"cuMemHostRegister", "pins the staging buffer"},
    // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:6: [[SEV]]: cuGetProcAddress looks up cuMemHostRegister by name (the driver resolves it to cuMemHostRegister_v2), which hides its use from compile-time checks: cuMemHostRegister page-locks (pins) host memory for device access; copy the data into cuMemAlloc memory [vram-dynamic-lookup]
    // CHECK-NEXT: [[FILE]]:[[@LINE+6]]:22: note: cuGetProcAddress looks up cuMemHostRegister here
    {"cuMemcpy", "copies, unlike cudaMallocHost"},
};
void loadRegister(void **fns) {
  CUdriverProcAddressQueryResult status;
  for (int i = 0; i < 2; ++i)
    cuGetProcAddress(kRegisterTable[i].name, &fns[i], 13000, CU_GET_PROC_ADDRESS_DEFAULT,
                     &status);
}

// std::string and std::string_view made from a literal.
void loadStrings(void *libcudart, void *libcuda) {
  dlsym(libcudart, std::string("cudaMallocHost").c_str());
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:32: [[SEV]]: dlsym looks up cudaMallocHost by name, which hides its use from compile-time checks: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-dynamic-lookup]
  const std::string hostRegister = "cudaHostRegister";
  dlsym(libcudart, hostRegister.c_str());
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:20: [[SEV]]: dlsym looks up cudaHostRegister by name, which hides its use from compile-time checks: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-dynamic-lookup]
  constexpr std::string_view hostAlloc = "cuMemHostAlloc";
  dlsym(libcuda, hostAlloc.data());
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:18: [[SEV]]: dlsym looks up cuMemHostAlloc by name, which hides its use from compile-time checks: cuMemHostAlloc allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
  constexpr const char *managed = "cudaMallocManaged";
  dlsym(libcudart, managed);
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:20: [[SEV]]: dlsym looks up cudaMallocManaged by name, which hides its use from compile-time checks: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-dynamic-lookup]
  for (const char *name : {"cudaFree", "cuMemAllocHost"})
    // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:40: [[SEV]]: dlsym looks up cuMemAllocHost by name, which hides its use from compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
    // CHECK-NEXT: [[FILE]]:[[@LINE+1]]:20: note: dlsym looks up cuMemAllocHost here
    dlsym(libcuda, name);
}

// Locals their function never changes after the initialisation, and
// std::strings joined with `+`: reported at the lookup's argument.
void loadLocals(void *libcudart, void *libcuda) {
  const char *hostAlloc = "cuMemHostAlloc";
  dlsym(libcuda, hostAlloc);
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:18: [[SEV]]: dlsym looks up cuMemHostAlloc by name, which hides its use from compile-time checks: cuMemHostAlloc allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
  char allocHostName[32] = "cuMemAllocHost";
  dlsym(libcuda, allocHostName);
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:18: [[SEV]]: dlsym looks up cuMemAllocHost by name, which hides its use from compile-time checks: cuMemAllocHost allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-dynamic-lookup]
  static const char *registerName = "cudaHostRegister";
  dlsym(libcudart, registerName);
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:20: [[SEV]]: dlsym looks up cudaHostRegister by name, which hides its use from compile-time checks: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-dynamic-lookup]
  dlsym(libcudart, (std::string("cudaMalloc") + "Host").c_str());
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:21: [[SEV]]: dlsym looks up cudaMallocHost by name, which hides its use from compile-time checks: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-dynamic-lookup]
  std::string prefix = "cudaMalloc";
  std::string managed = prefix + "Managed";
  dlsym(libcudart, managed.c_str());
  // CHECK-NEXT: [[FILE]]:[[@LINE-1]]:20: [[SEV]]: dlsym looks up cudaMallocManaged by name, which hides its use from compile-time checks: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-dynamic-lookup]
}

// Not reported: locals the function changes (assigned, copied into,
// appended to, changed through a reference or a lambda's capture), where
// the name at the lookup is not the initialiser's.
void loadChanged(void *lib, bool pinned) {
  const char *assigned = "cuMemHostAlloc";
  assigned = "cuMemAlloc_v2";
  dlsym(lib, assigned);
  char copied[32] = "cuMemAllocHost";
  std::strcpy(copied, "cuMemAlloc_v2");
  dlsym(lib, copied);
  std::string appended = "cudaMalloc";
  if (pinned)
    appended += "Host";
  dlsym(lib, appended.c_str());
  const char *captured = "cudaMallocManaged";
  auto choose = [&] { captured = "cudaMalloc"; };
  choose();
  dlsym(lib, captured);
  const char *referenced = "cudaHostAlloc";
  const char *&alias = referenced;
  alias = "cudaMalloc";
  dlsym(lib, referenced);
}

// Not reported: tables of VRAM allocations only, a policy name in a comment
// (cudaMallocHost) or in a string no lookup reads (the `why` field above,
// kUnused), names known only at run time.
static const struct {
  const char *name;
  void **fn;
} kAllowedTable[] = {{"cuMemAlloc_v2", &alloc}, {"cudaMalloc", &alloc}};
static const char *const kUnused[] = {"cudaMallocHost", "cuMemAllocManaged"};
void loadAllowed(void *lib, const char *configured, std::string fromFile) {
  for (const auto &entry : kAllowedTable)
    *entry.fn = dlsym(lib, entry.name);
  dlsym(lib, configured);
  dlsym(lib, fromFile.c_str());
  const char *chosen = kUnused[0];
  chosen = "cudaMalloc";
  dlsym(lib, chosen);
}
