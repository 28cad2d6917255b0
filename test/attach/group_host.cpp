// group_host SECONDS: loads libvram_only_attach.so (VRAM_ONLY_ATTACH_LIBRARY)
// as the CUDA driver would, calls InitializeInjection, and lives SECONDS
// (then exits normally). Without a driver or CUPTI the enforcement cannot
// start, so each such process is a group member whose enforcement is not
// active: the multi-process group tests (group_process_test.cpp) start
// several under vram-only-run and read the group's /health.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const char* library = std::getenv("VRAM_ONLY_ATTACH_LIBRARY");
  if (argc != 2 || library == nullptr) {
    std::fprintf(stderr, "usage: VRAM_ONLY_ATTACH_LIBRARY=... group_host SECONDS\n");
    return 2;
  }
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::fprintf(stderr, "group_host: %s\n", dlerror());
    return 3;
  }
  auto init = reinterpret_cast<int (*)()>(dlsym(handle, "InitializeInjection"));
  if (init == nullptr) return 4;
  init();
  sleep(static_cast<unsigned>(std::atoi(argv[1])));
  return 0;
}
