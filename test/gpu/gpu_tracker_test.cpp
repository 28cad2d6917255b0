// The tracker, the tensor checks and the HealthMonitor on real memory.
#include <cuda_runtime.h>

#include <chrono>
#include <string>
#include <thread>

#include <vram_only/vram_only.hpp>

#include "../runtime/test_support.hpp"
#include "gpu_test_support.hpp"
#include "real_driver_tracker.hpp"

namespace vram_only {
namespace {

using namespace std::chrono_literals;

class GpuTracker : public ::testing::Test, protected gpu_testing::RealDriverTracker {
 protected:
  void SetUp() override {
    VRAM_ONLY_REQUIRE_GPU();
    VRAM_ONLY_CUDA_OK(cudaSetDevice(0));
    VRAM_ONLY_CUDA_OK(cudaFree(nullptr));
    ASSERT_TRUE(cuda_driver().available()) << cuda_driver().status();
  }
};

TEST_F(GpuTracker, VerifyFindsEveryNonVramAllocation) {
  void* weights = nullptr;
  void* kv = nullptr;
  void* pinned = nullptr;
  void* dangling = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&weights, 8 << 20));
  VRAM_ONLY_CUDA_OK(cudaMallocManaged(&kv, 2 << 20));
  VRAM_ONLY_CUDA_OK(cudaMallocHost(&pinned, 1 << 20));
  VRAM_ONLY_CUDA_OK(cudaMalloc(&dangling, 2 << 20));  // whole 2 MiB pages
  ASSERT_TRUE(tracker.record_allocation(weights, 8 << 20, VramPurpose::ModelWeights, "weights", 0));
  ASSERT_TRUE(tracker.record_allocation(kv, 2 << 20, VramPurpose::KvCache, "kv.managed", 0));
  ASSERT_TRUE(tracker.record_allocation(pinned, 1 << 20, VramPurpose::Activations, "pinned", 0));
  ASSERT_TRUE(tracker.record_allocation(dangling, 2 << 20, VramPurpose::Workspace, "dangling", 0));
  VRAM_ONLY_CUDA_OK(cudaFree(dangling));  // freed without record_deallocation

  ASSERT_EQ(cudaGetLastError(), cudaSuccess);
  const ResidencyReport report = tracker.verify_vram_residency();
  EXPECT_EQ(cudaPeekAtLastError(), cudaSuccess);
  EXPECT_EQ(report.checked, 4u);
  EXPECT_EQ(report.query_failures, 0u);
  ASSERT_EQ(report.violations.size(), 3u);
  for (const Violation& v : report.violations) {
    if (v.label == "kv.managed") {
      EXPECT_EQ(v.memory_type, MemoryType::Managed);
      EXPECT_EQ(v.pointer, kv);
      EXPECT_EQ(v.purpose, VramPurpose::KvCache);
    } else if (v.label == "pinned") {
      EXPECT_EQ(v.memory_type, MemoryType::Host);
      EXPECT_EQ(v.bytes, std::size_t{1} << 20);
    } else if (v.label == "dangling") {
      EXPECT_EQ(v.memory_type, MemoryType::Unregistered);
    } else {
      ADD_FAILURE() << "unexpected violation: " << to_string(v);
    }
    EXPECT_EQ(v.kind, ViolationKind::NotResident);
  }
  EXPECT_EQ(tracker.find(weights)->residency, ResidencyState::Resident);

  // Tensor checks on the same memory.
  EXPECT_FALSE(check_tensor_range(tracker, weights, 8 << 20).has_value());
  EXPECT_TRUE(check_tensor_range(tracker, static_cast<char*>(weights) + 1, 8 << 20).has_value());
  const auto managed = check_tensor_range(tracker, kv, 4096);
  ASSERT_TRUE(managed.has_value());
  EXPECT_EQ(managed->memory_type, MemoryType::Managed);

  EXPECT_TRUE(tracker.record_deallocation(weights));
  EXPECT_TRUE(tracker.record_deallocation(kv));
  EXPECT_TRUE(tracker.record_deallocation(pinned));
  EXPECT_TRUE(tracker.record_deallocation(dangling));
  VRAM_ONLY_CUDA_OK(cudaFree(weights));
  VRAM_ONLY_CUDA_OK(cudaFree(kv));
  VRAM_ONLY_CUDA_OK(cudaFreeHost(pinned));
  EXPECT_EQ(tracker.total_usage(), 0u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

TEST_F(GpuTracker, UntrackedDeviceMemoryPassesTheTensorCheck) {
  void* p = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&p, 1 << 20));
  EXPECT_FALSE(check_tensor_range(tracker, p, 1 << 20).has_value());
  int on_stack[4] = {};
  const auto host = check_tensor_range(tracker, on_stack, sizeof on_stack);
  ASSERT_TRUE(host.has_value());
  EXPECT_EQ(host->memory_type, MemoryType::Unregistered);
  VRAM_ONLY_CUDA_OK(cudaFree(p));
}

TEST_F(GpuTracker, MonitorDetectsAManagedAllocationWithinOneInterval) {
  void* weights = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&weights, 4 << 20));
  ASSERT_TRUE(tracker.record_allocation(weights, 4 << 20, VramPurpose::ModelWeights, "weights", 0));
  HealthMonitorOptions options;
  options.interval = 100ms;
  HealthMonitor monitor(tracker, options);
  monitor.start();
  ASSERT_TRUE(monitor.is_healthy()) << "device memory alone must be healthy";

  void* kv = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMallocManaged(&kv, 1 << 20));
  const auto recorded = std::chrono::steady_clock::now();
  ASSERT_TRUE(tracker.record_allocation(kv, 1 << 20, VramPurpose::KvCache, "kv.layer0", 0));
  const auto deadline = recorded + 5s;
  while (monitor.is_healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  const auto detected = std::chrono::steady_clock::now();
  monitor.stop();
  ASSERT_FALSE(monitor.is_healthy()) << "not detected within 5 s";
  EXPECT_LT(detected - recorded, options.interval + 1s);

  const HealthStatus status = monitor.status();
  EXPECT_FALSE(status.resident);
  ASSERT_EQ(status.violations.size(), 1u);
  EXPECT_EQ(status.violations[0].label, "kv.layer0");
  EXPECT_EQ(status.violations[0].memory_type, MemoryType::Managed);
  const auto critical = log.messages(LogLevel::Critical);
  ASSERT_EQ(critical.size(), 1u);
  EXPECT_NE(critical[0].find("VRAM residency violated: pointer=" + detail::format_pointer(kv) +
                             " bytes=1048576 purpose=KvCache label=\"kv.layer0\" memory_type=Managed"),
            std::string::npos)
      << critical[0];

  EXPECT_TRUE(tracker.record_deallocation(kv));
  EXPECT_TRUE(tracker.record_deallocation(weights));
  VRAM_ONLY_CUDA_OK(cudaFree(kv));
  VRAM_ONLY_CUDA_OK(cudaFree(weights));
}

}  // namespace
}  // namespace vram_only
