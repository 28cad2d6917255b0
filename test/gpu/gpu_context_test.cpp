// Residency checks never create a CUDA context on a device the process had
// not touched. Its own executable, linked to no CUDA library: only the
// driver the runtime opens itself is used, so nothing else creates contexts.
#include <gtest/gtest.h>

#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <vram_only/residency.hpp>

namespace vram_only {
namespace {

template <class Fn>
Fn driver_symbol(const char* name) {
  return reinterpret_cast<Fn>(cuda_driver().symbol(name));
}

struct Driver {
  CUresult (*device_count)(int*) = driver_symbol<CUresult (*)(int*)>("cuDeviceGetCount");
  CUresult (*device_get)(CUdevice*, int) = driver_symbol<CUresult (*)(CUdevice*, int)>("cuDeviceGet");
  CUresult (*primary_state)(CUdevice, unsigned*, int*) =
      driver_symbol<CUresult (*)(CUdevice, unsigned*, int*)>("cuDevicePrimaryCtxGetState");
  CUresult (*get_current)(CUcontext*) = driver_symbol<CUresult (*)(CUcontext*)>("cuCtxGetCurrent");
  CUresult (*set_current)(CUcontext) = driver_symbol<CUresult (*)(CUcontext)>("cuCtxSetCurrent");
  CUresult (*retain)(CUcontext*, CUdevice) =
      driver_symbol<CUresult (*)(CUcontext*, CUdevice)>("cuDevicePrimaryCtxRetain");
  CUresult (*release)(CUdevice) = driver_symbol<CUresult (*)(CUdevice)>("cuDevicePrimaryCtxRelease_v2");
  CUresult (*mem_alloc)(CUdeviceptr*, std::size_t) =
      driver_symbol<CUresult (*)(CUdeviceptr*, std::size_t)>("cuMemAlloc_v2");
  CUresult (*mem_free)(CUdeviceptr) = driver_symbol<CUresult (*)(CUdeviceptr)>("cuMemFree_v2");

  bool complete() const {
    return device_count && device_get && primary_state && get_current && set_current && retain &&
           release && mem_alloc && mem_free;
  }

  int count() const {
    int n = 0;
    return device_count(&n) == CUDA_SUCCESS ? n : 0;
  }

  // Whether device d's primary context is active (-1 on error).
  int active(int d) const {
    CUdevice device = 0;
    unsigned flags = 0;
    int is_active = -1;
    if (device_get(&device, d) != CUDA_SUCCESS || primary_state(device, &flags, &is_active) != CUDA_SUCCESS) {
      return -1;
    }
    return is_active;
  }
};

#define VRAM_ONLY_REQUIRE_DRIVER(driver)                                                  \
  do {                                                                                    \
    if (!cuda_driver().available()) {                                                     \
      GTEST_SKIP() << "no usable CUDA driver here (" << cuda_driver().status()            \
                   << "); the gpu suite runs on an H100/H200";                            \
    }                                                                                     \
    ASSERT_TRUE((driver).complete()) << "a driver entry point is missing";                \
    if ((driver).count() == 0) {                                                          \
      GTEST_SKIP() << "the CUDA driver reports no device";                                \
    }                                                                                     \
  } while (0)

TEST(GpuContext, ChecksInAFreshProcessCreateNoContext) {
  const Driver driver;
  VRAM_ONLY_REQUIRE_DRIVER(driver);
  for (int d = 0; d < driver.count(); ++d) {
    if (driver.active(d) != 0) {
      GTEST_SKIP() << "device " << d << " already has an active primary context; run this test "
                   << "in a fresh process (ctest does)";
    }
  }
  int on_stack = 0;
  void* heap = std::malloc(256);
  for (const void* p : {static_cast<const void*>(&on_stack), static_cast<const void*>(heap),
                        static_cast<const void*>(nullptr)}) {
    const ResidencyVerdict v = query_pointer_residency(p);
    // No context exists yet: Unregistered (or Error, fail closed); never resident.
    EXPECT_FALSE(v.resident()) << to_string(v.memory_type) << " " << v.reason;
    std::printf("verdict without any context: %s (%s) %s\n",
                std::string(to_string(v.memory_type)).c_str(), v.reason, v.cuda_error_name);
    EXPECT_FALSE(check_pointer_residency(p));
  }
  std::free(heap);
  for (int d = 0; d < driver.count(); ++d) {
    EXPECT_EQ(driver.active(d), 0) << "a check activated the primary context of device " << d;
  }
  CUcontext current = reinterpret_cast<CUcontext>(1);
  ASSERT_EQ(driver.get_current(&current), CUDA_SUCCESS);
  EXPECT_EQ(current, nullptr);
}

TEST(GpuContext, CheckingDevice0MemoryLeavesOtherDevicesUntouched) {
  const Driver driver;
  VRAM_ONLY_REQUIRE_DRIVER(driver);
  if (driver.count() < 2) {
    GTEST_SKIP() << "needs two GPUs (this machine has " << driver.count()
                 << "); the fresh-process test covers one";
  }
  for (int d = 1; d < driver.count(); ++d) {
    if (driver.active(d) != 0) {
      GTEST_SKIP() << "device " << d << " is already active; run in a fresh process";
    }
  }
  CUdevice device0 = 0;
  ASSERT_EQ(driver.device_get(&device0, 0), CUDA_SUCCESS);
  CUcontext context = nullptr;
  ASSERT_EQ(driver.retain(&context, device0), CUDA_SUCCESS);
  ASSERT_EQ(driver.set_current(context), CUDA_SUCCESS);
  CUdeviceptr p = 0;
  ASSERT_EQ(driver.mem_alloc(&p, 1 << 20), CUDA_SUCCESS);
  const ResidencyVerdict v = query_pointer_residency(reinterpret_cast<const void*>(static_cast<std::uintptr_t>(p)));
  EXPECT_EQ(v.memory_type, MemoryType::Device);
  EXPECT_EQ(v.device, 0);
  for (int d = 1; d < driver.count(); ++d) {
    EXPECT_EQ(driver.active(d), 0) << "the check activated device " << d;
  }
  EXPECT_EQ(driver.mem_free(p), CUDA_SUCCESS);
  EXPECT_EQ(driver.set_current(nullptr), CUDA_SUCCESS);
  EXPECT_EQ(driver.release(device0), CUDA_SUCCESS);
}

}  // namespace
}  // namespace vram_only
