// A library with its own way to the driver: loaded with RTLD_DEEPBIND, its
// dlsym binds to glibc's (its own dependencies come first), so the
// interposer's dlsym never sees its lookups, as with a library carrying a
// private dlopen/dlsym of libcuda. The interposer cannot reach it and must
// say so (interposer_watch.hpp).
#include <dlfcn.h>

extern "C" __attribute__((visibility("default"))) int private_loader_allocate() {
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver == nullptr) return 1;
  auto init = reinterpret_cast<int (*)(unsigned)>(dlsym(driver, "cuInit"));
  auto alloc = reinterpret_cast<int (*)(unsigned long long*, unsigned long)>(dlsym(driver, "cuMemAlloc_v2"));
  if (init == nullptr || alloc == nullptr) return 2;
  unsigned long long p = 0;
  return init(0) != 0 ? 3 : alloc(&p, 1 << 20);
}
