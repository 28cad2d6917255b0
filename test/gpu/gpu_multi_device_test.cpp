// WrongDevice on real GPUs: memory of device 1 recorded for device 0
// (allocated there, or reached from device 0 through peer access). Needs
// two GPUs; skips with a message on one.
#include <cuda_runtime.h>

#include <string>

#include <vram_only/device_allocation.hpp>
#include <vram_only/vram_only.hpp>

#include "../runtime/test_support.hpp"
#include "gpu_test_support.hpp"
#include "real_driver_tracker.hpp"

namespace vram_only {
namespace {

class GpuTwoDevices : public ::testing::Test, protected gpu_testing::RealDriverTracker {
 protected:
  void SetUp() override {
    VRAM_ONLY_REQUIRE_GPU();
    int count = 0;
    VRAM_ONLY_CUDA_OK(cudaGetDeviceCount(&count));
    if (count < 2) {
      GTEST_SKIP() << "needs two GPUs; this machine has " << count
                   << " (WrongDevice is tested on the CPU through the oracle seam)";
    }
    ASSERT_TRUE(cuda_driver().available()) << cuda_driver().status();
  }
};

TEST_F(GpuTwoDevices, MemoryOfDevice1RecordedForDevice0IsWrongDevice) {
  VRAM_ONLY_CUDA_OK(cudaSetDevice(1));
  void* on1 = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&on1, 1 << 20));
  VRAM_ONLY_CUDA_OK(cudaSetDevice(0));
  void* on0 = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&on0, 1 << 20));
  // Peer access from device 0 to device 1's memory, where the GPUs allow it.
  int can_access = 0;
  VRAM_ONLY_CUDA_OK(cudaDeviceCanAccessPeer(&can_access, 0, 1));
  if (can_access != 0) {
    const cudaError_t peer = cudaDeviceEnablePeerAccess(1, 0);
    ASSERT_TRUE(peer == cudaSuccess || peer == cudaErrorPeerAccessAlreadyEnabled)
        << cudaGetErrorName(peer);
    cudaGetLastError();
  }
  ASSERT_TRUE(tracker.record_allocation(on1, 1 << 20, VramPurpose::KvCache, "kv.peer", 0));
  ASSERT_TRUE(tracker.record_allocation(on0, 1 << 20, VramPurpose::KvCache, "kv.own", 0));

  const ResidencyReport report = tracker.verify_vram_residency();
  EXPECT_FALSE(report);
  EXPECT_EQ(report.checked, 2u);
  ASSERT_EQ(report.violations.size(), 1u) << "peer access enabled: " << can_access;
  const Violation& v = report.violations[0];
  EXPECT_EQ(v.kind, ViolationKind::WrongDevice);
  EXPECT_EQ(v.pointer, on1);
  EXPECT_EQ(v.device, 0);
  EXPECT_EQ(v.reported_device, 1);
  EXPECT_EQ(v.memory_type, MemoryType::Device);
  EXPECT_EQ(v.label, "kv.peer");
  const auto check = check_tensor_range(tracker, on1, 4096);
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->kind, ViolationKind::WrongDevice);
  EXPECT_FALSE(check_tensor_range(tracker, on0, 4096).has_value());

  // Recorded for the right device: no violation.
  ASSERT_TRUE(tracker.record_deallocation(on1));
  ASSERT_TRUE(tracker.record_allocation(on1, 1 << 20, VramPurpose::KvCache, "kv.peer", 1));
  EXPECT_TRUE(tracker.verify_vram_residency());
  ASSERT_TRUE(tracker.record_deallocation(on1));
  ASSERT_TRUE(tracker.record_deallocation(on0));
  VRAM_ONLY_CUDA_OK(cudaFree(on0));
  VRAM_ONLY_CUDA_OK(cudaFree(on1));
}

TEST_F(GpuTwoDevices, DeviceAllocationRecordsTheCurrentDevice) {
  VRAM_ONLY_CUDA_OK(cudaSetDevice(1));
  auto [buffer, error] = DeviceAllocation::create(tracker, 1 << 20, VramPurpose::Activations, "act");
  ASSERT_EQ(error, cudaSuccess) << cudaGetErrorName(error);
  EXPECT_EQ(buffer.device(), 1);
  EXPECT_EQ(tracker.find(buffer.data())->device, 1);
  EXPECT_TRUE(tracker.verify_vram_residency());
  VRAM_ONLY_CUDA_OK(cudaSetDevice(0));
}

}  // namespace
}  // namespace vram_only
