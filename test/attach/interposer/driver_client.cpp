// A program that reaches the driver exactly as the CUDA runtime does:
// dlopen("libcuda.so.1") + dlsym("cuGetProcAddress"), then
// cuGetProcAddress("cuGetProcAddress") in both forms (cudaVersion 11030 and
// 12000), then every entry point through the 5-argument form. Each scenario
// (argv[1]) prints what the test checks; allocations go to the report.
//
//   family      every allocation entry point the stub has, then every free
//   untouched   1 when out-of-family pointers are the driver's own
//   threads     4 threads exist before libcuda is loaded; then `family`
//   race        16 threads resolve and allocate at once (4096 * (i + 1) bytes)
//   fork        fork; the child execs this program with `family`
//   private     a library loaded with RTLD_DEEPBIND loads the driver itself
//   getpid      calls getpid() (a neighbour tool overrides it via RTLD_NEXT); then `family`
#include <dlfcn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using CUresult = int;
using CUdeviceptr = unsigned long long;
using GetProcAddress = CUresult (*)(const char*, void**, int, unsigned long long);
using GetProcAddressV2 = CUresult (*)(const char*, void**, int, unsigned long long, int*);
struct Location {
  int type;
  int id;
};

void* g_driver = nullptr;
GetProcAddressV2 g_get = nullptr;

// As cudart: the base name, a cudaVersion, the stream flag.
template <class F>
F entry(const char* name, unsigned long long flags = 0) {
  void* f = nullptr;
  int status = -1;
  if (g_get(name, &f, 13000, flags, &status) != 0 || f == nullptr) {
    std::fprintf(stderr, "driver_client: no %s\n", name);
    std::exit(3);
  }
  return reinterpret_cast<F>(f);
}

// dlopen + dlsym("cuGetProcAddress"), then cuGetProcAddress for itself.
void load_driver() {
  g_driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (g_driver == nullptr) {
    std::fprintf(stderr, "driver_client: %s\n", dlerror());
    std::exit(2);
  }
  auto first = reinterpret_cast<GetProcAddress>(dlsym(g_driver, "cuGetProcAddress"));
  void* v1 = nullptr;
  void* v2 = nullptr;
  if (first == nullptr || first("cuGetProcAddress", &v1, 11030, 0) != 0 ||
      reinterpret_cast<GetProcAddress>(v1)("cuGetProcAddress", &v2, 12000, 0) != 0) {
    std::fprintf(stderr, "driver_client: cuGetProcAddress failed\n");
    std::exit(2);
  }
  g_get = reinterpret_cast<GetProcAddressV2>(v2);
  entry<CUresult (*)(unsigned)>("cuInit")(0);
}

}  // namespace

void check(CUresult r, const char* what) {
  if (r != 0) {
    std::fprintf(stderr, "driver_client: %s failed: %d\n", what, r);
    std::exit(4);
  }
}

// Exported (the program is linked with -rdynamic) so that the report names
// it as the caller of every allocation.
extern "C" __attribute__((noinline)) void run_family() {
  load_driver();
  const auto alloc = entry<CUresult (*)(CUdeviceptr*, size_t)>("cuMemAlloc");
  const auto free_device = entry<CUresult (*)(CUdeviceptr)>("cuMemFree");
  const auto alloc_async = entry<CUresult (*)(CUdeviceptr*, size_t, void*)>("cuMemAllocAsync");
  const auto alloc_async_ptsz = entry<CUresult (*)(CUdeviceptr*, size_t, void*)>("cuMemAllocAsync", 1ULL << 1);
  const auto free_async = entry<CUresult (*)(CUdeviceptr, void*)>("cuMemFreeAsync");
  const auto managed = entry<CUresult (*)(CUdeviceptr*, size_t, unsigned)>("cuMemAllocManaged");
  const auto default_pool = entry<CUresult (*)(void**, Location*, int)>("cuMemGetDefaultMemPool");
  const auto from_pool = entry<CUresult (*)(CUdeviceptr*, size_t, void*, void*)>("cuMemAllocFromPoolAsync");
  const auto host_alloc = entry<CUresult (*)(void**, size_t, unsigned)>("cuMemHostAlloc");
  const auto alloc_host = entry<CUresult (*)(void**, size_t)>("cuMemAllocHost");
  const auto free_host = entry<CUresult (*)(void*)>("cuMemFreeHost");
  const auto host_register = entry<CUresult (*)(void*, size_t, unsigned)>("cuMemHostRegister");
  const auto host_unregister = entry<CUresult (*)(void*)>("cuMemHostUnregister");
  const auto device_pointer = entry<CUresult (*)(CUdeviceptr*, void*, unsigned)>("cuMemHostGetDevicePointer");

  CUdeviceptr device = 0, async = 0, async_ptsz = 0, um = 0, pooled = 0, view = 0;
  check(alloc(&device, 1 << 20), "cuMemAlloc");
  check(alloc_async(&async, 4096, nullptr), "cuMemAllocAsync");
  check(alloc_async_ptsz(&async_ptsz, 8192, nullptr), "cuMemAllocAsync (per-thread)");
  check(managed(&um, 2 << 20, 1), "cuMemAllocManaged");
  void* pool = nullptr;
  Location here{1, 0};  // device 0
  check(default_pool(&pool, &here, 2), "cuMemGetDefaultMemPool(managed)");
  check(from_pool(&pooled, 16384, pool, nullptr), "cuMemAllocFromPoolAsync");
  void* pinned = nullptr;
  void* mapped = nullptr;
  void* small = nullptr;
  check(host_alloc(&pinned, 65536, 0), "cuMemHostAlloc");
  check(host_alloc(&mapped, 131072, 0x02), "cuMemHostAlloc(DEVICEMAP)");
  check(alloc_host(&small, 32768), "cuMemAllocHost");
  std::vector<char> buffer(262144);
  check(host_register(buffer.data(), buffer.size(), 0), "cuMemHostRegister");
  check(device_pointer(&view, buffer.data(), 0), "cuMemHostGetDevicePointer");
  check(host_unregister(buffer.data()), "cuMemHostUnregister");
  check(free_host(small), "cuMemFreeHost");
  check(free_host(mapped), "cuMemFreeHost");
  check(free_host(pinned), "cuMemFreeHost");
  check(free_async(pooled, nullptr), "cuMemFreeAsync");
  check(free_async(async_ptsz, nullptr), "cuMemFreeAsync");
  check(free_async(async, nullptr), "cuMemFreeAsync");
  check(free_device(um), "cuMemFree");
  check(free_device(device), "cuMemFree");
  std::printf("family done\n");
}

namespace {

void untouched() {
  load_driver();
  const auto own = reinterpret_cast<void* (*)(const char*)>(dlsym(g_driver, "stub_own_function"));
  void* launch = nullptr;
  g_get("cuLaunchKernel", &launch, 13000, 0, nullptr);
  void* get_current = nullptr;
  g_get("cuCtxGetCurrent", &get_current, 13000, 0, nullptr);
  void* alloc = nullptr;
  g_get("cuMemAlloc", &alloc, 13000, 0, nullptr);
  std::printf("cuLaunchKernel untouched %d\n", launch == own("cuLaunchKernel") && launch == dlsym(g_driver, "cuLaunchKernel"));
  std::printf("cuCtxGetCurrent untouched %d\n", get_current == own("cuCtxGetCurrent"));
  std::printf("cuMemAlloc untouched %d\n", alloc == own("cuMemAlloc_v2"));
}

void race() {
  constexpr int kThreads = 16;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &ready] {
      ++ready;
      while (ready.load() < kThreads) {
      }
      void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
      auto first = reinterpret_cast<GetProcAddress>(dlsym(driver, "cuGetProcAddress"));
      void* v2 = nullptr;
      first("cuGetProcAddress", &v2, 12000, 0);
      void* f = nullptr;
      reinterpret_cast<GetProcAddressV2>(v2)("cuMemAlloc", &f, 13000, 0, nullptr);
      CUdeviceptr p = 0;
      check(reinterpret_cast<CUresult (*)(CUdeviceptr*, size_t)>(f)(&p, 4096 * static_cast<size_t>(i + 1)), "cuMemAlloc");
    });
  }
  for (auto& t : threads) t.join();
  std::printf("race done\n");
}

void private_loader(const char* self) {
  std::string library = self;
  library = library.substr(0, library.rfind('/')) + "/libvram_only_test_private_loader.so";
  void* loader = dlopen(library.c_str(), RTLD_NOW | RTLD_DEEPBIND);
  if (loader == nullptr) {
    std::fprintf(stderr, "driver_client: %s\n", dlerror());
    std::exit(2);
  }
  const auto run = reinterpret_cast<int (*)()>(dlsym(loader, "private_loader_allocate"));
  check(run(), "private_loader_allocate");
  std::printf("private done\n");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string scenario = argc > 1 ? argv[1] : "";
  if (scenario == "family") {
    run_family();
  } else if (scenario == "untouched") {
    untouched();
  } else if (scenario == "threads") {
    std::atomic<bool> stop{false};
    std::vector<std::thread> idle;
    for (int i = 0; i < 4; ++i) idle.emplace_back([&stop] { while (!stop.load()) usleep(1000); });
    run_family();
    stop = true;
    for (auto& t : idle) t.join();
  } else if (scenario == "race") {
    race();
  } else if (scenario == "fork") {
    const pid_t child = fork();
    if (child == 0) {
      execl(argv[0], argv[0], "family", static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    std::printf("child %d status %d\n", static_cast<int>(child), WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  } else if (scenario == "private") {
    private_loader(argv[0]);
  } else if (scenario == "getpid") {
    std::printf("getpid %d\n", getpid() > 0);
    run_family();
  } else {
    std::fprintf(stderr, "usage: driver_client family|untouched|threads|race|fork|private|getpid\n");
    return 64;
  }
  return 0;
}
