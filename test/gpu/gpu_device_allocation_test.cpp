// DeviceAllocation on a real GPU: cudaMalloc'd, recorded, resident, freed
// and deregistered exactly once; a failing cudaMalloc is reported.
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include <vram_only/device_allocation.hpp>
#include <vram_only/vram_only.hpp>

#include "../runtime/test_support.hpp"
#include "gpu_test_support.hpp"
#include "real_driver_tracker.hpp"

namespace vram_only {
namespace {

class GpuDeviceAllocation : public ::testing::Test, protected gpu_testing::RealDriverTracker {
 protected:
  void SetUp() override {
    VRAM_ONLY_REQUIRE_GPU();
    VRAM_ONLY_CUDA_OK(cudaSetDevice(0));
    ASSERT_TRUE(cuda_driver().available()) << cuda_driver().status();
    cudaGetLastError();  // start from a clean last-error state
  }
};

TEST_F(GpuDeviceAllocation, LivesAsResidentTrackedVramAndIsFreedOnce) {
  void* p = nullptr;
  {
    auto [kv, error] = DeviceAllocation::create(tracker, 4 << 20, VramPurpose::KvCache, "kv.gpu");
    ASSERT_EQ(error, cudaSuccess) << cudaGetErrorName(error);
    p = kv.data();
    EXPECT_EQ(kv.device(), 0);
    const auto hit = tracker.find(static_cast<char*>(p) + 12345);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->device, 0);
    EXPECT_EQ(hit->bytes, std::size_t{4} << 20);
    EXPECT_TRUE(tracker.verify_vram_residency());
    EXPECT_FALSE(check_tensor_range(tracker, p, 4 << 20).has_value());
    DeviceAllocation moved = std::move(kv);
    EXPECT_EQ(moved.data(), p);
    EXPECT_TRUE(tracker.verify_vram_residency());
  }
  // Deregistered before cudaFree: the sweep sees nothing dangling.
  EXPECT_EQ(tracker.live_count(), 0u);
  EXPECT_TRUE(tracker.verify_vram_residency());
  EXPECT_EQ(tracker.misuse().total(), 0u);
  // And the memory is really gone.
  EXPECT_EQ(query_pointer_residency(p).memory_type, MemoryType::Unregistered);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

TEST_F(GpuDeviceAllocation, AFailingCudaMallocIsReturned) {
  auto [huge, error] =
      DeviceAllocation::create(tracker, std::size_t{1} << 50, VramPurpose::ModelWeights, "huge");
  EXPECT_EQ(error, cudaErrorMemoryAllocation) << cudaGetErrorName(error);
  EXPECT_FALSE(huge);
  EXPECT_EQ(tracker.live_count(), 0u);
  cudaGetLastError();  // the failed cudaMalloc's error, left for the caller
}

TEST_F(GpuDeviceAllocation, ResetFreesEarly) {
  auto buffer = DeviceAllocation::create(tracker, 1 << 20, VramPurpose::Workspace, "ws").allocation;
  ASSERT_TRUE(buffer);
  EXPECT_EQ(buffer.reset(), cudaSuccess);
  EXPECT_FALSE(buffer);
  EXPECT_EQ(tracker.live_count(), 0u);
}

}  // namespace
}  // namespace vram_only
