// Tensor-construction checks, compiled in (VRAM_ONLY_ENFORCE=1).
#define VRAM_ONLY_ENFORCE 1

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::mut_ptr;
using testing::ptr;

constexpr std::uintptr_t kBase = 0x7f0000000000;

class TensorCheckTest : public ::testing::Test, protected testing::TrackerFixture {
 protected:
  void SetUp() override {
    previous_ = tensor_check_action();
    oracle.set(kBase, 1 << 20, MemoryType::Device, 0);
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 8192, VramPurpose::ModelWeights, "w", 0));
  }
  void TearDown() override { set_tensor_check_action(previous_); }

 private:
  ViolationAction previous_ = ViolationAction::Abort;
};

TEST_F(TensorCheckTest, EnforcementIsCompiledIn) { EXPECT_TRUE(tensor_checks_enabled()); }

TEST_F(TensorCheckTest, TrackedResidentRangeUsesTheDriverOnlyOnce) {
  EXPECT_FALSE(check_tensor_range(tracker, ptr(kBase), 8192).has_value());
  EXPECT_EQ(oracle.queries(), 1u);  // first check of the allocation
  EXPECT_EQ(tracker.find(ptr(kBase))->residency, ResidencyState::Resident);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(check_tensor_range(tracker, ptr(kBase + 64 * i), 64).has_value());
  }
  EXPECT_EQ(oracle.queries(), 1u);  // the fast path asks nobody
}

TEST_F(TensorCheckTest, EmptyRangeIsAlwaysFine) {
  EXPECT_FALSE(check_tensor_range(tracker, nullptr, 0).has_value());
  EXPECT_FALSE(check_tensor_range(tracker, ptr(0x1234), 0).has_value());
  EXPECT_EQ(oracle.queries(), 0u);
}

TEST_F(TensorCheckTest, NullPointer) {
  const auto v = check_tensor_range(tracker, nullptr, 16);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::NotResident);
  EXPECT_EQ(v->memory_type, MemoryType::Unregistered);
  EXPECT_EQ(v->reason, "null pointer");
}

TEST_F(TensorCheckTest, RangeLeavingTheAllocationIsOutOfBounds) {
  const auto v = check_tensor_range(tracker, ptr(kBase + 4096), 4097);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::OutOfBounds);
  EXPECT_EQ(v->pointer, ptr(kBase + 4096));
  EXPECT_EQ(v->bytes, 4097u);
  EXPECT_EQ(v->purpose, VramPurpose::ModelWeights);
  EXPECT_EQ(v->label, "w");
  EXPECT_EQ(v->reason,
            "the range [0x7f0000001000, +4097) leaves the tracked allocation "
            "[0x7f0000000000, +8192) label=\"w\"");
  EXPECT_EQ(oracle.queries(), 0u);
}

TEST_F(TensorCheckTest, WrappingRange) {
  const auto v = check_tensor_range(tracker, ptr(~std::uintptr_t{0} - 8), 64);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::OutOfBounds);
  EXPECT_EQ(v->reason, "the range wraps around the address space");
}

TEST_F(TensorCheckTest, TrackedManagedAllocationIsAViolation) {
  oracle.set(kBase + (2 << 20), 1 << 20, MemoryType::Managed, 0);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (2 << 20)), 4096, VramPurpose::KvCache, "kv", 0));
  auto v = check_tensor_range(tracker, ptr(kBase + (2 << 20) + 64), 128);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::NotResident);
  EXPECT_EQ(v->memory_type, MemoryType::Managed);
  EXPECT_EQ(v->label, "kv");
  EXPECT_EQ(v->purpose, VramPurpose::KvCache);
  EXPECT_EQ(v->pointer, ptr(kBase + (2 << 20) + 64));
  EXPECT_EQ(v->bytes, 128u);
  EXPECT_EQ(oracle.queries(), 1u);
  // The verdict is cached: the next check fails without asking again.
  v = check_tensor_range(tracker, ptr(kBase + (2 << 20)), 16);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->memory_type, MemoryType::Managed);
  EXPECT_EQ(v->reason, "managed (unified) memory: its pages can migrate to host memory");
  EXPECT_EQ(oracle.queries(), 1u);
}

TEST_F(TensorCheckTest, FailedQueriesAreAskedAgain) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (4 << 20)), 4096, VramPurpose::KvCache));
  oracle.set(kBase + (4 << 20), 4096, MemoryType::Error);
  auto v = check_tensor_range(tracker, ptr(kBase + (4 << 20)), 16);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::QueryFailed);
  oracle.set(kBase + (4 << 20), 4096, MemoryType::Device);
  EXPECT_FALSE(check_tensor_range(tracker, ptr(kBase + (4 << 20)), 16).has_value());
}

TEST_F(TensorCheckTest, UntrackedResidentRangeAsksAboutBothEnds) {
  EXPECT_FALSE(check_tensor_range(tracker, ptr(kBase + 65536), 4096).has_value());
  EXPECT_EQ(oracle.queries(), 2u);
}

TEST_F(TensorCheckTest, UntrackedHostPointer) {
  oracle.set(0x10000, 4096, MemoryType::Host);
  const auto v = check_tensor_range(tracker, ptr(0x10000), 64);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::NotResident);
  EXPECT_EQ(v->memory_type, MemoryType::Host);
  EXPECT_EQ(v->allocation_id, 0u);
  EXPECT_EQ(v->reason, "host memory (pinned, registered, mapped or host-NUMA) (untracked pointer)");
}

TEST_F(TensorCheckTest, UntrackedRangeRunningOffDeviceMemory) {
  // Device memory ends at kBase + 1 MiB; the range's last byte is beyond.
  const auto v = check_tensor_range(tracker, ptr(kBase + (1 << 20) - 64), 128);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::OutOfBounds);
  EXPECT_EQ(v->memory_type, MemoryType::Unregistered);
  EXPECT_EQ(v->reason,
            "the last byte 0x7f000010003f of the untracked range is not device memory: not "
            "CUDA memory (plain host memory, or freed / dangling)");
}

TEST_F(TensorCheckTest, ThrowAction) {
  set_tensor_check_action(ViolationAction::Throw);
  try {
    VRAM_ONLY_CHECK_TENSOR_IN(tracker, ptr(kBase), 8193);
    FAIL() << "no exception";
  } catch (const VramResidencyError& e) {
    EXPECT_EQ(e.violation().kind, ViolationKind::OutOfBounds);
    EXPECT_EQ(e.violation().bytes, 8193u);
    EXPECT_EQ(std::string(e.what()).rfind("VRAM residency violated: pointer=0x7f0000000000 bytes=8193", 0), 0u)
        << e.what();
  }
  EXPECT_NO_THROW(VRAM_ONLY_CHECK_TENSOR_IN(tracker, ptr(kBase), 8192));
}

TEST_F(TensorCheckTest, ReportAndMarkUnhealthyAction) {
  set_tensor_check_action(ViolationAction::ReportAndMarkUnhealthy);
  HealthMonitor monitor(tracker, {});
  monitor.check_now();
  ASSERT_TRUE(monitor.is_healthy());
  int callbacks = 0;
  monitor.on_violation([&](const Violation& v) {
    ++callbacks;
    EXPECT_EQ(v.kind, ViolationKind::OutOfBounds);
  });

  VRAM_ONLY_CHECK_TENSOR_IN(tracker, ptr(kBase + 8000), 256);  // carries on

  EXPECT_FALSE(monitor.is_healthy());
  EXPECT_EQ(callbacks, 1);
  const auto status = monitor.status();
  ASSERT_EQ(status.violations.size(), 1u);
  EXPECT_EQ(status.violations[0].pointer, ptr(kBase + 8000));
  EXPECT_FALSE(status.resident);
  const auto critical = log.messages(LogLevel::Critical);
  ASSERT_EQ(critical.size(), 2u);
  EXPECT_EQ(critical[0].rfind("VRAM residency violated: pointer=0x7f0000001f40 bytes=256 "
                              "purpose=ModelWeights label=\"w\" memory_type=Device",
                              0),
            0u)
      << critical[0];
  EXPECT_EQ(critical[1].rfind("  in VRAM_ONLY_CHECK_TENSOR(ptr(kBase + 8000), 256) at ", 0), 0u)
      << critical[1];
  EXPECT_NE(critical[1].find("tensor_check_test.cpp:"), std::string::npos);
}

// The action belongs to the tracker: a tracker with its own action is not
// affected by the process default, and one without follows it.
TEST_F(TensorCheckTest, ATrackersOwnActionWinsOverTheProcessDefault) {
  set_tensor_check_action(ViolationAction::Abort);
  TrackerOptions options = make_options();
  options.tensor_check_action = ViolationAction::Throw;
  VramTracker own(options);
  ASSERT_TRUE(own.record_allocation(ptr(kBase), 8192, VramPurpose::ModelWeights, "w", 0));
  EXPECT_EQ(tensor_check_action(own), ViolationAction::Throw);
  EXPECT_EQ(tensor_check_action(tracker), ViolationAction::Abort);
  EXPECT_THROW(VRAM_ONLY_CHECK_TENSOR_IN(own, ptr(kBase + 8000), 256), VramResidencyError);

  // Another component changes the process default: `own` keeps its action.
  set_tensor_check_action(ViolationAction::ReportAndMarkUnhealthy);
  EXPECT_EQ(tensor_check_action(tracker), ViolationAction::ReportAndMarkUnhealthy);
  EXPECT_EQ(tensor_check_action(own), ViolationAction::Throw);
  EXPECT_THROW(checked_view(own, static_cast<const float*>(ptr(kBase)), 4096), VramResidencyError);
  EXPECT_NO_THROW(VRAM_ONLY_CHECK_TENSOR_IN(tracker, ptr(kBase + 8000), 256));
}

// Memory recorded for device 0 that CUDA reports on device 1 (e.g. a peer
// GPU's memory): WrongDevice, first from the driver, then from the cache.
TEST_F(TensorCheckTest, MemoryOfAnotherDeviceIsWrongDevice) {
  oracle.set(kBase + (4 << 20), 1 << 20, MemoryType::Device, 1);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (4 << 20)), 4096, VramPurpose::KvCache, "peer", 0));
  for (int round = 0; round < 2; ++round) {
    const auto v = check_tensor_range(tracker, ptr(kBase + (4 << 20)), 4096);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->kind, ViolationKind::WrongDevice);
    EXPECT_EQ(v->device, 0);
    EXPECT_EQ(v->reported_device, 1);
    EXPECT_EQ(v->memory_type, MemoryType::Device);
    EXPECT_EQ(v->label, "peer");
    EXPECT_EQ(v->reason, "device memory of device 1, recorded for device 0");
  }
  EXPECT_EQ(oracle.queries(), 1u);  // the second answer came from the cache
  EXPECT_EQ(tracker.find(ptr(kBase + (4 << 20)))->residency, ResidencyState::WrongDevice);
  EXPECT_EQ(tracker.find(ptr(kBase + (4 << 20)))->reported_device, 1);
  // Recorded without a device: nothing to compare, so resident.
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (4 << 20) + 8192), 4096, VramPurpose::KvCache, "any"));
  EXPECT_FALSE(check_tensor_range(tracker, ptr(kBase + (4 << 20) + 8192), 4096).has_value());
}

TEST_F(TensorCheckTest, AbortActionPrintsTheFullReport) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  set_tensor_check_action(ViolationAction::Abort);
  EXPECT_DEATH(
      {
        VramTracker dying;  // default sink: stderr
        dying.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache, "kv.7", 0);
        VRAM_ONLY_CHECK_TENSOR_IN(dying, ptr(kBase + 4000), 200);
      },
      "CRITICAL: VRAM residency violated: pointer=0x7f0000000fa0 bytes=200 purpose=KvCache "
      "label=\"kv.7\".*"
      "in VRAM_ONLY_CHECK_TENSOR\\(ptr\\(kBase \\+ 4000\\), 200\\).*"
      "tracker: 1 live allocations, 4096 bytes \\(ModelWeights 0, KvCache 4096.*"
      "allocation: \\[0x7f0000000000, \\+4096\\) KvCache label=\"kv.7\" device=0.*"
      "aborting \\(ViolationAction::Abort\\)");
}

TEST_F(TensorCheckTest, MacroEvaluatesItsArgumentsOnce) {
  int pointer_evaluations = 0;
  int size_evaluations = 0;
  auto p = [&] { ++pointer_evaluations; return ptr(kBase); };
  auto n = [&] { ++size_evaluations; return std::size_t{64}; };
  VRAM_ONLY_CHECK_TENSOR_IN(tracker, p(), n());
  EXPECT_EQ(pointer_evaluations, 1);
  EXPECT_EQ(size_evaluations, 1);
}

TEST_F(TensorCheckTest, CheckedViewOverATrackedAllocation) {
  set_tensor_check_action(ViolationAction::Throw);
  auto* data = static_cast<float*>(mut_ptr(kBase));
  const DeviceView<float> view = checked_view(tracker, data, 2048);
  EXPECT_EQ(view.data(), data);
  EXPECT_EQ(view.size(), 2048u);
  EXPECT_EQ(view.size_bytes(), 8192u);
  EXPECT_THROW(checked_view(tracker, data, 2049), VramResidencyError);
  EXPECT_THROW(checked_view(tracker, data, std::numeric_limits<std::size_t>::max() / 2),
               VramResidencyError);
}

TEST_F(TensorCheckTest, DefaultTrackerMacroFailsClosedForUntrackedHostMemory) {
  set_tensor_check_action(ViolationAction::Throw);
  int on_stack[4] = {};
  // The default tracker asks the CUDA driver: Error without one, Unregistered with one.
  EXPECT_THROW(VRAM_ONLY_CHECK_TENSOR(on_stack, sizeof on_stack), VramResidencyError);
  EXPECT_THROW(checked_view(on_stack, 4), VramResidencyError);
}

TEST(DeviceView, Basics) {
  float storage[10] = {};
  DeviceView<float> v(storage, 10);
  EXPECT_FALSE(v.empty());
  EXPECT_EQ(v.begin(), storage);
  EXPECT_EQ(v.end(), storage + 10);
  const DeviceView<const float> c = v;
  EXPECT_EQ(c.data(), storage);
  EXPECT_EQ(v.subview(2, 3).data(), storage + 2);
  EXPECT_EQ(v.subview(2, 3).size(), 3u);
  EXPECT_EQ(v.subview(8, 5).size(), 2u);   // clamped
  EXPECT_EQ(v.subview(11, 1).size(), 0u);  // past the end: empty
  EXPECT_TRUE(DeviceView<int>().empty());
}

TEST(ViolationAction, ToStringAndDefault) {
  EXPECT_EQ(to_string(ViolationAction::Abort), "Abort");
  EXPECT_EQ(to_string(ViolationAction::Throw), "Throw");
  EXPECT_EQ(to_string(ViolationAction::ReportAndMarkUnhealthy), "ReportAndMarkUnhealthy");
}

}  // namespace
}  // namespace vram_only
