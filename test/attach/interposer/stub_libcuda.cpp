// A stand-in libcuda.so.1 for the interposer's CPU tests (CI has no GPU).
// It exports what the CUDA runtime looks up first (cuGetProcAddress in both
// forms, cuInit) and a handful of the allocation family, with the real
// entry points' ABIs: device and managed "allocations" are addresses from a
// counter (never dereferenced), host ones real malloc memory. Like the
// driver, cuGetProcAddress picks the function by name, cudaVersion and the
// per-thread stream flag, and hands out its own functions (linked with
// -Bsymbolic-functions: &cuMemAlloc_v2 here is this library's, never an
// interposer's).
//
// cuMemAllocHost_v2 calls cuMemHostAlloc through the global scope, as a
// driver calling its own entry points might: under the interposer that call
// reaches the interposer's export from inside its own wrapper (re-entrancy).
#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

extern "C" {

using CUresult = int;
using CUdeviceptr = unsigned long long;
constexpr CUresult kSuccess = 0, kInvalidValue = 1, kNotInitialized = 3, kNotFound = 500;
constexpr unsigned long long kPerThreadStream = 1ULL << 1;  // CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM
constexpr unsigned kDeviceMap = 0x02;                          // CU_MEMHOSTALLOC_DEVICEMAP

struct Location {
  int type;  // CU_MEM_LOCATION_TYPE_DEVICE = 1
  int id;
};

namespace {
bool g_initialised = false;
std::mutex g_mutex;
CUdeviceptr g_next = 0x700000000000ULL;
std::set<CUdeviceptr> g_managed;

CUdeviceptr next_device_address(size_t bytes) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const CUdeviceptr p = g_next;
  g_next += (bytes + 0xFFFFF) & ~0xFFFFFULL;
  g_next += 0x100000;
  return p;
}
}  // namespace

CUresult cuInit(unsigned) { g_initialised = true; return kSuccess; }
CUresult cuDriverGetVersion(int* version) { *version = 13000; return kSuccess; }
CUresult cuCtxGetCurrent(void** context) {
  if (!g_initialised) return kNotInitialized;
  *context = reinterpret_cast<void*>(0x1);
  return kSuccess;
}
CUresult cuCtxGetDevice(int* device) { *device = 0; return kSuccess; }
CUresult cuPointerGetAttribute(void* data, int attribute, CUdeviceptr pointer) {
  if (attribute != 8) return kInvalidValue;  // CU_POINTER_ATTRIBUTE_IS_MANAGED
  std::lock_guard<std::mutex> lock(g_mutex);
  *static_cast<unsigned*>(data) = g_managed.count(pointer) != 0 ? 1 : 0;
  return kSuccess;
}
CUresult cuLaunchKernel(void*, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void*, void**,
                        void**) {
  return kSuccess;
}

CUresult cuMemAlloc_v2(CUdeviceptr* dptr, size_t bytes) {
  if (bytes == 0) return kInvalidValue;
  *dptr = next_device_address(bytes);
  return kSuccess;
}
CUresult cuMemFree_v2(CUdeviceptr) { return kSuccess; }
CUresult cuMemAllocAsync(CUdeviceptr* dptr, size_t bytes, void*) { return cuMemAlloc_v2(dptr, bytes); }
CUresult cuMemAllocAsync_ptsz(CUdeviceptr* dptr, size_t bytes, void*) { return cuMemAlloc_v2(dptr, bytes); }
CUresult cuMemFreeAsync(CUdeviceptr, void*) { return kSuccess; }
CUresult cuMemAllocManaged(CUdeviceptr* dptr, size_t bytes, unsigned) {
  const CUresult r = cuMemAlloc_v2(dptr, bytes);
  std::lock_guard<std::mutex> lock(g_mutex);
  g_managed.insert(*dptr);
  return r;
}
// Pools: the default pool of each allocation type (1 pinned, 2 managed) of a location.
CUresult cuMemGetDefaultMemPool(void** pool, Location* location, int type) {
  *pool = reinterpret_cast<void*>(static_cast<std::uintptr_t>(0x5000 + type * 0x10 + location->type));
  return kSuccess;
}
CUresult cuMemAllocFromPoolAsync(CUdeviceptr* dptr, size_t bytes, void*, void*) { return cuMemAlloc_v2(dptr, bytes); }
CUresult cuDeviceSetMemPool(int, void*) { return kSuccess; }

CUresult cuMemHostAlloc(void** pp, size_t bytes, unsigned) {
  *pp = std::malloc(bytes);
  return *pp != nullptr ? kSuccess : 2;
}
// Through the global scope, as a call through the PLT would go.
CUresult cuMemAllocHost_v2(void** pp, size_t bytes) {
  using HostAlloc = CUresult (*)(void**, size_t, unsigned);
  static const auto nested = reinterpret_cast<HostAlloc>(dlsym(RTLD_DEFAULT, "cuMemHostAlloc"));
  return nested(pp, bytes, 0);
}
CUresult cuMemFreeHost(void* p) { std::free(p); return kSuccess; }
CUresult cuMemHostRegister_v2(void*, size_t, unsigned) { return kSuccess; }
CUresult cuMemHostUnregister(void*) { return kSuccess; }
CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr* dptr, void* p, unsigned) {
  *dptr = reinterpret_cast<CUdeviceptr>(p);
  return kSuccess;
}

CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int version, unsigned long long flags, int* status);

namespace {
struct Export {
  const char* base;
  int version;       // from this cudaVersion on
  bool per_thread;
  void* function;
};
const Export kExports[] = {
    {"cuGetProcAddress", 11030, false, reinterpret_cast<void*>(&cuGetProcAddress_v2)},  // fixed up below
    {"cuInit", 2000, false, reinterpret_cast<void*>(&cuInit)},
    {"cuDriverGetVersion", 2020, false, reinterpret_cast<void*>(&cuDriverGetVersion)},
    {"cuCtxGetCurrent", 4000, false, reinterpret_cast<void*>(&cuCtxGetCurrent)},
    {"cuCtxGetDevice", 2000, false, reinterpret_cast<void*>(&cuCtxGetDevice)},
    {"cuPointerGetAttribute", 4000, false, reinterpret_cast<void*>(&cuPointerGetAttribute)},
    {"cuLaunchKernel", 4000, false, reinterpret_cast<void*>(&cuLaunchKernel)},
    {"cuMemAlloc", 3020, false, reinterpret_cast<void*>(&cuMemAlloc_v2)},
    {"cuMemFree", 3020, false, reinterpret_cast<void*>(&cuMemFree_v2)},
    {"cuMemAllocAsync", 11020, false, reinterpret_cast<void*>(&cuMemAllocAsync)},
    {"cuMemAllocAsync", 11020, true, reinterpret_cast<void*>(&cuMemAllocAsync_ptsz)},
    {"cuMemFreeAsync", 11020, false, reinterpret_cast<void*>(&cuMemFreeAsync)},
    {"cuMemAllocManaged", 6000, false, reinterpret_cast<void*>(&cuMemAllocManaged)},
    {"cuMemGetDefaultMemPool", 13000, false, reinterpret_cast<void*>(&cuMemGetDefaultMemPool)},
    {"cuMemAllocFromPoolAsync", 11020, false, reinterpret_cast<void*>(&cuMemAllocFromPoolAsync)},
    {"cuDeviceSetMemPool", 11020, false, reinterpret_cast<void*>(&cuDeviceSetMemPool)},
    {"cuMemHostAlloc", 2020, false, reinterpret_cast<void*>(&cuMemHostAlloc)},
    {"cuMemAllocHost", 3020, false, reinterpret_cast<void*>(&cuMemAllocHost_v2)},
    {"cuMemFreeHost", 2000, false, reinterpret_cast<void*>(&cuMemFreeHost)},
    {"cuMemHostRegister", 6050, false, reinterpret_cast<void*>(&cuMemHostRegister_v2)},
    {"cuMemHostUnregister", 4000, false, reinterpret_cast<void*>(&cuMemHostUnregister)},
    {"cuMemHostGetDevicePointer", 3020, false, reinterpret_cast<void*>(&cuMemHostGetDevicePointer_v2)},
};
}  // namespace

CUresult cuGetProcAddress(const char* symbol, void** pfn, int version, unsigned long long flags);

CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int version, unsigned long long flags, int* status) {
  if (status != nullptr) *status = 0;  // CU_GET_PROC_ADDRESS_SUCCESS
  if (std::strcmp(symbol, "cuGetProcAddress") == 0) {
    *pfn = version >= 12000 ? reinterpret_cast<void*>(&cuGetProcAddress_v2) : reinterpret_cast<void*>(&cuGetProcAddress);
    return kSuccess;
  }
  const bool per_thread = (flags & kPerThreadStream) != 0;
  const Export* best = nullptr;
  for (const Export& e : kExports) {
    if (std::strcmp(e.base, symbol) != 0 || e.version > version) continue;
    if (e.per_thread == per_thread || (best == nullptr && !e.per_thread)) best = &e;
  }
  if (best == nullptr) {
    *pfn = nullptr;
    if (status != nullptr) *status = 1;  // CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND
    return kNotFound;
  }
  *pfn = best->function;
  return kSuccess;
}

CUresult cuGetProcAddress(const char* symbol, void** pfn, int version, unsigned long long flags) {
  return cuGetProcAddress_v2(symbol, pfn, version, flags, nullptr);
}

// For the tests: this library's own function of an exported name (what a
// program sees without an interposer).
void* stub_own_function(const char* symbol) {
  if (std::strcmp(symbol, "cuLaunchKernel") == 0) return reinterpret_cast<void*>(&cuLaunchKernel);
  if (std::strcmp(symbol, "cuMemAlloc_v2") == 0) return reinterpret_cast<void*>(&cuMemAlloc_v2);
  if (std::strcmp(symbol, "cuCtxGetCurrent") == 0) return reinterpret_cast<void*>(&cuCtxGetCurrent);
  return nullptr;
}

}  // extern "C"
