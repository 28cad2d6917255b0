// DeviceAllocation through a fake CudaMemoryApi: recorded while it lives,
// deregistered before it is freed, freed exactly once, errors returned.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <type_traits>
#include <vector>

#include <vram_only/device_allocation.hpp>

#include "test_support.hpp"

namespace vram_only {
namespace {

// The fake "CUDA runtime": hands out addresses, remembers what is live,
// and checks at every free that the tracker has already forgotten it.
struct FakeCuda {
  static inline std::uintptr_t next = 0x7e0000000000;
  static inline std::map<void*, std::size_t> live;
  static inline std::vector<void*> freed;
  static inline std::size_t limit = std::size_t{1} << 30;
  static inline int device = 3;
  static inline cudaError_t free_result = cudaSuccess;
  static inline const VramTracker* tracker = nullptr;
  static inline int freed_while_tracked = 0;

  static cudaError_t malloc(void** p, std::size_t bytes) {
    if (bytes > limit) {
      *p = nullptr;
      return cudaErrorMemoryAllocation;
    }
    if (bytes == 0) {
      *p = nullptr;
      return cudaSuccess;
    }
    *p = testing::mut_ptr(next);
    next += (bytes + 0xfff) & ~std::uintptr_t{0xfff};
    live[*p] = bytes;
    return cudaSuccess;
  }
  static cudaError_t free(void* p) {
    freed.push_back(p);
    if (tracker != nullptr && tracker->find(p).has_value()) {
      ++freed_while_tracked;
    }
    live.erase(p);
    return free_result;
  }
  static cudaError_t get_device(int* d) {
    *d = device;
    return cudaSuccess;
  }
  static const CudaMemoryApi& api() {
    static const CudaMemoryApi fake{&FakeCuda::malloc, &FakeCuda::free, &FakeCuda::get_device};
    return fake;
  }
};

class DeviceAllocationTest : public ::testing::Test, protected testing::TrackerFixture {
 protected:
  void SetUp() override {
    FakeCuda::live.clear();
    FakeCuda::freed.clear();
    FakeCuda::free_result = cudaSuccess;
    FakeCuda::freed_while_tracked = 0;
    FakeCuda::tracker = &tracker;
  }
  void TearDown() override { FakeCuda::tracker = nullptr; }

  DeviceAllocation::Created make(std::size_t bytes, const char* label = "buf") {
    return DeviceAllocation::create(tracker, bytes, VramPurpose::KvCache, label, FakeCuda::api());
  }
};

TEST_F(DeviceAllocationTest, IsMovableNotCopyable) {
  static_assert(std::is_nothrow_move_constructible<DeviceAllocation>::value, "");
  static_assert(std::is_nothrow_move_assignable<DeviceAllocation>::value, "");
  static_assert(!std::is_copy_constructible<DeviceAllocation>::value, "");
  static_assert(!std::is_copy_assignable<DeviceAllocation>::value, "");
}

TEST_F(DeviceAllocationTest, RecordedWhileItLivesFreedOnceAfterDeregistering) {
  void* p = nullptr;
  {
    auto [buffer, error] = make(4096, "kv.0");
    ASSERT_EQ(error, cudaSuccess);
    ASSERT_TRUE(buffer);
    p = buffer.data();
    EXPECT_EQ(buffer.bytes(), 4096u);
    EXPECT_EQ(buffer.device(), 3);
    const auto info = tracker.describe(static_cast<char*>(p) + 100);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->base, p);
    EXPECT_EQ(info->bytes, 4096u);
    EXPECT_EQ(info->purpose, VramPurpose::KvCache);
    EXPECT_EQ(info->label, "kv.0");
    EXPECT_EQ(info->device, 3);
  }
  EXPECT_EQ(FakeCuda::freed, std::vector<void*>{p});
  EXPECT_EQ(FakeCuda::freed_while_tracked, 0);
  EXPECT_EQ(tracker.live_count(), 0u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

TEST_F(DeviceAllocationTest, MovesTransferOwnershipAndFreeExactlyOnce) {
  auto a = make(4096).allocation;
  auto b = make(8192).allocation;
  void* pa = a.data();
  void* pb = b.data();
  DeviceAllocation c(std::move(a));
  EXPECT_FALSE(a);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(c.data(), pa);
  EXPECT_TRUE(FakeCuda::freed.empty());
  c = std::move(b);  // c's old buffer (pa) goes now
  EXPECT_EQ(FakeCuda::freed, std::vector<void*>{pa});
  EXPECT_EQ(c.data(), pb);
  EXPECT_EQ(tracker.live_count(), 1u);
  c = std::move(c);  // self-move: nothing happens
  EXPECT_EQ(c.data(), pb);
  EXPECT_EQ(c.reset(), cudaSuccess);
  EXPECT_EQ(c.reset(), cudaSuccess);  // already empty
  EXPECT_EQ(FakeCuda::freed, (std::vector<void*>{pa, pb}));
  EXPECT_EQ(FakeCuda::freed_while_tracked, 0);
  EXPECT_EQ(tracker.live_count(), 0u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

TEST_F(DeviceAllocationTest, AFailedMallocIsReportedAndNothingIsRecorded) {
  auto [buffer, error] = make(std::size_t{1} << 40);
  EXPECT_EQ(error, cudaErrorMemoryAllocation);
  EXPECT_FALSE(buffer);
  EXPECT_EQ(tracker.live_count(), 0u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
  EXPECT_EQ(buffer.reset(), cudaSuccess);
  EXPECT_TRUE(FakeCuda::freed.empty());
}

TEST_F(DeviceAllocationTest, ZeroBytesIsEmptyAndNotMisuse) {
  auto [buffer, error] = make(0);
  EXPECT_EQ(error, cudaSuccess);
  EXPECT_FALSE(buffer);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

TEST_F(DeviceAllocationTest, ResetReturnsTheFreeError) {
  auto buffer = make(4096).allocation;
  FakeCuda::free_result = cudaErrorInvalidValue;
  EXPECT_EQ(buffer.reset(), cudaErrorInvalidValue);
  EXPECT_FALSE(buffer);
  EXPECT_EQ(tracker.live_count(), 0u);  // deregistered all the same
}

}  // namespace
}  // namespace vram_only
