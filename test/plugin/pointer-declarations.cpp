// The compiler plugin reports a function pointer named like a forbidden
// function as clang-tidy does (the same input, the same diagnostics, as
// errors by default); a name merely containing a name is a look-alike.
//
// RUN: %clang -fsyntax-only -fplugin=%plugin -fplugin-arg-vram_only-warn -x c++ -std=c++17 \
// RUN:   %S/../tidy/pointer-declarations.cpp 2>&1 \
// RUN:   | FileCheck %S/../tidy/pointer-declarations.cpp -DFILE=%S/../tidy/pointer-declarations.cpp \
// RUN:       --check-prefix=CHECK-MESSAGES --implicit-check-not='{{warning|error}}:'
// RUN: not %clang -fsyntax-only -fplugin=%plugin -x c++ -std=c++17 %s 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not='{{warning|error}}:'

typedef int CUresult;
typedef CUresult tcuMemHostAlloc(void **pp, unsigned long bytesize, unsigned int flags);

struct Driver {
  tcuMemHostAlloc *cuMemHostAlloc;
  // CHECK: pointer-declarations.cpp:[[@LINE-1]]:20: error: cuMemHostAlloc is a function pointer that stands for the API function of that name, so its calls escape compile-time checks: cuMemHostAlloc allocates page-locked (pinned) host memory; keep the data in cuMemAlloc memory [vram-host-memory]
  tcuMemHostAlloc *cuMemHostAlloc_fallback;
};
