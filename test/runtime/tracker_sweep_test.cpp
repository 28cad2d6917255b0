// VramTracker::verify_vram_residency / sweep with injected residency answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::ptr;

constexpr std::uintptr_t kBase = 0x7f0000000000;

class TrackerSweepTest : public ::testing::Test, protected testing::TrackerFixture {};

TEST_F(TrackerSweepTest, EmptyTrackerIsResident) {
  const auto report = tracker.verify_vram_residency();
  EXPECT_TRUE(report.resident());
  EXPECT_EQ(report.checked, 0u);
  EXPECT_EQ(oracle.queries(), 0u);
}

TEST_F(TrackerSweepTest, AllDeviceMemoryIsResident) {
  oracle.set(kBase, 1 << 20, MemoryType::Device);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "w0", 0));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + 8192), 4096, VramPurpose::KvCache, "kv", 0));
  const auto report = tracker.verify_vram_residency();
  EXPECT_TRUE(report.resident());
  EXPECT_TRUE(report.complete);
  EXPECT_EQ(report.checked, 2u);
  EXPECT_EQ(report.query_failures, 0u);
  EXPECT_EQ(oracle.queries(), 2u);  // one query per allocation, by base address
  // The verdict is cached for the tensor checks.
  EXPECT_EQ(tracker.find(ptr(kBase))->residency, ResidencyState::Resident);
}

struct Case {
  MemoryType type;
  ViolationKind kind;
  const char* reason;
};

class SweepVerdictTest : public ::testing::TestWithParam<Case>, protected testing::TrackerFixture {};

TEST_P(SweepVerdictTest, ViolationCarriesEveryField) {
  const Case c = GetParam();
  oracle.set(kBase, 1 << 20, MemoryType::Device, 2);
  oracle.set(kBase + (1 << 20), 1 << 20, c.type, 2);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "ok", 2));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (1 << 20)), 65536, VramPurpose::KvCache, "kv.3", 2));
  const auto id = tracker.find(ptr(kBase + (1 << 20)))->id;

  const auto report = tracker.verify_vram_residency();
  EXPECT_FALSE(report.resident());
  EXPECT_EQ(report.checked, 2u);
  ASSERT_EQ(report.violations.size(), 1u);
  const Violation& v = report.violations[0];
  EXPECT_EQ(v.kind, c.kind);
  EXPECT_EQ(v.pointer, ptr(kBase + (1 << 20)));
  EXPECT_EQ(v.bytes, 65536u);
  EXPECT_EQ(v.purpose, VramPurpose::KvCache);
  EXPECT_EQ(v.label, "kv.3");
  EXPECT_EQ(v.device, 2);
  EXPECT_EQ(v.memory_type, c.type);
  EXPECT_EQ(v.reason, c.reason);
  EXPECT_EQ(v.allocation_id, id);
  EXPECT_EQ(report.query_failures, c.type == MemoryType::Error ? 1u : 0u);
  const auto hit = tracker.find(ptr(kBase + (1 << 20)));
  if (c.type == MemoryType::Error) {
    EXPECT_EQ(hit->residency, ResidencyState::Unknown);  // failures are not cached
  } else {
    EXPECT_EQ(hit->residency, ResidencyState::NotResident);
    EXPECT_EQ(hit->memory_type, c.type);
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryNonResidentType, SweepVerdictTest,
    ::testing::Values(
        Case{MemoryType::Managed, ViolationKind::NotResident,
             "managed (unified) memory: its pages can migrate to host memory"},
        Case{MemoryType::Host, ViolationKind::NotResident,
             "host memory (pinned, registered, mapped or host-NUMA)"},
        Case{MemoryType::Unregistered, ViolationKind::NotResident,
             "not CUDA memory (plain host memory, or freed / dangling)"},
        Case{MemoryType::Error, ViolationKind::QueryFailed,
             "cuPointerGetAttributes failed (CUDA_ERROR_INVALID_VALUE)"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return std::string(to_string(info.param.type));
    });

TEST_F(TrackerSweepTest, AsksInAscendingAddressOrder) {
  // Recorded in a scrambled order over every size class and far-apart
  // regions; the driver is asked about each exactly once, lowest address first.
  oracle.set_default(MemoryType::Device);
  std::mt19937_64 rng(7);
  std::vector<std::uintptr_t> bases;
  for (int i = 0; i < 3000; ++i) {
    const std::uintptr_t region = (i % 3 == 0) ? 0x10000000 : (i % 3 == 1) ? kBase : kBase << 1;
    bases.push_back(region + static_cast<std::uintptr_t>(i) * (std::uintptr_t{1} << 22) +
                    (rng() % 1024) * 256);
  }
  std::shuffle(bases.begin(), bases.end(), rng);
  const std::size_t sizes[] = {100, 4096, 70000, 3u << 20};
  for (std::size_t i = 0; i < bases.size(); ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(bases[i]), sizes[i % 4], VramPurpose::Other));
  }
  std::mutex mutex;
  std::vector<std::uintptr_t> asked;
  oracle.on_query([&](const void* p) {
    std::lock_guard<std::mutex> lock(mutex);
    asked.push_back(reinterpret_cast<std::uintptr_t>(p));
  });
  const auto report = tracker.verify_vram_residency();
  EXPECT_TRUE(report.resident());
  EXPECT_EQ(report.checked, bases.size());
  std::sort(bases.begin(), bases.end());
  EXPECT_EQ(asked, bases);
}

TEST_F(TrackerSweepTest, ViolationsAreReportedInAddressOrder) {
  oracle.set_default(MemoryType::Host);
  for (const std::uintptr_t offset : {std::uintptr_t{5} << 20, std::uintptr_t{1} << 12,
                                      std::uintptr_t{3} << 30, std::uintptr_t{0}}) {
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase + offset), 4096, VramPurpose::Other));
  }
  const auto report = tracker.verify_vram_residency();
  ASSERT_EQ(report.violations.size(), 4u);
  EXPECT_EQ(report.violations[0].pointer, ptr(kBase));
  EXPECT_EQ(report.violations[1].pointer, ptr(kBase + (1 << 12)));
  EXPECT_EQ(report.violations[2].pointer, ptr(kBase + (5 << 20)));
  EXPECT_EQ(report.violations[3].pointer, ptr(kBase + (std::uintptr_t{3} << 30)));
}

TEST_F(TrackerSweepTest, DriverFailureFailsClosedForEveryAllocation) {
  oracle.fail_all(CUDA_ERROR_DEINITIALIZED, "CUDA_ERROR_DEINITIALIZED");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase + i * 4096), 4096, VramPurpose::Other));
  }
  const auto report = tracker.verify_vram_residency();
  EXPECT_FALSE(report.resident());
  EXPECT_EQ(report.query_failures, 10u);
  ASSERT_EQ(report.violations.size(), 10u);
  for (const auto& v : report.violations) {
    EXPECT_EQ(v.kind, ViolationKind::QueryFailed);
    EXPECT_EQ(v.cuda_error, CUDA_ERROR_DEINITIALIZED);
    EXPECT_EQ(v.cuda_error_name, "CUDA_ERROR_DEINITIALIZED");
  }
}

TEST_F(TrackerSweepTest, AFreeRacingTheSweepIsNotAViolation) {
  // The allocation is deallocated (and its memory freed) while the sweep
  // asks about it: the driver then says Unregistered, but the record is gone
  // by the time the sweep confirms, so nothing is reported.
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Activations));
  oracle.on_query([this](const void* p) {
    if (p == ptr(kBase)) {
      tracker.record_deallocation(p);
    }
  });
  const auto report = tracker.verify_vram_residency();
  EXPECT_TRUE(report.resident());
  EXPECT_EQ(report.checked, 1u);
  EXPECT_EQ(tracker.live_count(), 0u);
}

TEST_F(TrackerSweepTest, AReusedAddressIsNotConfusedWithTheOldRecord) {
  // Freed and recorded again (new id) while the sweep asks about the old one.
  oracle.set(kBase, 4096, MemoryType::Unregistered);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Activations, "old"));
  oracle.on_query([this](const void* p) {
    if (p == ptr(kBase) && tracker.describe(p)->label == "old") {
      tracker.record_deallocation(p);
      tracker.record_allocation(p, 4096, VramPurpose::Activations, "new");
    }
  });
  const auto report = tracker.verify_vram_residency();
  EXPECT_TRUE(report.violations.empty());
  EXPECT_EQ(tracker.describe(ptr(kBase))->label, "new");
}

TEST_F(TrackerSweepTest, AVerdictThatFlipsBetweenSweeps) {
  oracle.set(kBase, 4096, MemoryType::Device);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache));
  EXPECT_TRUE(tracker.verify_vram_residency().resident());
  EXPECT_EQ(tracker.find(ptr(kBase))->residency, ResidencyState::Resident);

  oracle.set(kBase, 4096, MemoryType::Host);
  auto report = tracker.verify_vram_residency();
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_EQ(report.violations[0].memory_type, MemoryType::Host);
  EXPECT_EQ(tracker.find(ptr(kBase))->residency, ResidencyState::NotResident);

  oracle.set(kBase, 4096, MemoryType::Device);
  EXPECT_TRUE(tracker.verify_vram_residency().resident());
  EXPECT_EQ(tracker.find(ptr(kBase))->residency, ResidencyState::Resident);
}

TEST_F(TrackerSweepTest, ExplicitOracleOverridesTheTrackers) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache));
  testing::FakeOracle other;
  other.set_default(MemoryType::Device);
  EXPECT_TRUE(tracker.verify_vram_residency(other).resident());
  EXPECT_EQ(oracle.queries(), 0u);
  EXPECT_EQ(other.queries(), 1u);
}

TEST_F(TrackerSweepTest, StopFlagInterruptsTheSweep) {
  oracle.set_default(MemoryType::Device);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase + i * 4096), 4096, VramPurpose::Other));
  }
  std::atomic<bool> stop{true};
  const auto report = detail::sweep(tracker, oracle, &stop);
  EXPECT_FALSE(report.complete);
  EXPECT_FALSE(report.resident());
  EXPECT_LT(report.checked, 1000u);
}

TEST_F(TrackerSweepTest, ReportsDuration) {
  oracle.set_default(MemoryType::Device);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Other));
  EXPECT_GT(tracker.verify_vram_residency().duration.count(), 0);
}

// Multi-GPU: an allocation recorded for device d that CUDA reports on
// device e != d (peer memory) is a WrongDevice violation; one recorded
// without a device (-1) is not checked for its device.
TEST_F(TrackerSweepTest, MemoryOfAnotherDeviceIsWrongDevice) {
  oracle.set(kBase, 1 << 20, MemoryType::Device, 0);
  oracle.set(kBase + (1 << 20), 1 << 20, MemoryType::Device, 1);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "on0", 0));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (1 << 20)), 4096, VramPurpose::KvCache, "peer", 0));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (1 << 20) + 8192), 4096, VramPurpose::KvCache, "any", -1));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (1 << 20) + 16384), 4096, VramPurpose::KvCache, "on1", 1));
  const auto report = tracker.verify_vram_residency();
  EXPECT_FALSE(report);
  EXPECT_EQ(report.checked, 4u);
  ASSERT_EQ(report.violations.size(), 1u);
  const Violation& v = report.violations[0];
  EXPECT_EQ(v.kind, ViolationKind::WrongDevice);
  EXPECT_EQ(v.pointer, ptr(kBase + (1 << 20)));
  EXPECT_EQ(v.device, 0);
  EXPECT_EQ(v.reported_device, 1);
  EXPECT_EQ(v.memory_type, MemoryType::Device);
  EXPECT_EQ(v.label, "peer");
  EXPECT_EQ(to_string(v),
            "VRAM residency violated: pointer=0x7f0000100000 bytes=4096 purpose=KvCache "
            "label=\"peer\" memory_type=Device device=0 reported_device=1 kind=WrongDevice "
            "reason=\"device memory of device 1, recorded for device 0\"");
  EXPECT_EQ(tracker.find(ptr(kBase + (1 << 20)))->residency, ResidencyState::WrongDevice);
  EXPECT_EQ(report.query_failures, 0u);

  // The monitor logs the same line and lists it.
  HealthMonitor monitor(tracker, {});
  const HealthStatus status = monitor.check_now();
  EXPECT_FALSE(status.healthy);
  ASSERT_EQ(status.violations.size(), 1u);
  EXPECT_EQ(status.violations[0].kind, ViolationKind::WrongDevice);
  const auto critical = log.messages(LogLevel::Critical);
  ASSERT_EQ(critical.size(), 1u);
  EXPECT_EQ(critical[0], to_string(v));
}

// Listeners run with no lock held: one that publishes again (and looks the
// tracker up, and records) from inside the call does not deadlock, even
// with writers of the tracker and of the listener registry on other threads.
TEST_F(TrackerSweepTest, AListenerThatPublishesAgainDoesNotDeadlock) {
  int calls = 0;
  std::atomic<bool> writer_done{false};
  std::thread writer;
  const auto id = tracker.add_violation_listener([&](const Violation& v) {
    ++calls;
    if (calls == 1) {
      writer = std::thread([&] {
        for (int i = 0; i < 1000; ++i) {
          tracker.record_allocation(ptr(kBase + (8 << 20) + i * 4096), 4096, VramPurpose::Other);
        }
        writer_done = true;
      });
      EXPECT_TRUE(tracker.find(ptr(kBase)).has_value());
      ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (4 << 20)), 64, VramPurpose::Other));
      // A writer of the listener registry on another thread finishes while
      // this call is in flight (it waited forever behind a shared lock).
      std::thread registry_writer([&] {
        const auto other = tracker.add_violation_listener([](const Violation&) {});
        tracker.remove_violation_listener(other);
      });
      registry_writer.join();
      Violation again = v;
      again.pointer = ptr(kBase + 1);
      detail::publish_violation(tracker, again);  // re-entrant
    }
  });
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Other));
  Violation v;
  v.pointer = ptr(kBase);
  detail::publish_violation(tracker, v);
  writer.join();
  EXPECT_TRUE(writer_done);
  EXPECT_EQ(calls, 2);
  tracker.remove_violation_listener(id);
  detail::publish_violation(tracker, v);
  EXPECT_EQ(calls, 2);
}

// A listener may remove itself (and others) while it is being called.
TEST_F(TrackerSweepTest, AListenerMayRemoveListenersWhileCalled) {
  int first_calls = 0;
  int second_calls = 0;
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  first = tracker.add_violation_listener([&](const Violation&) {
    ++first_calls;
    tracker.remove_violation_listener(first);
    tracker.remove_violation_listener(second);
  });
  second = tracker.add_violation_listener([&](const Violation&) { ++second_calls; });
  Violation v;
  detail::publish_violation(tracker, v);
  detail::publish_violation(tracker, v);
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);  // removed before its turn
}

// remove_violation_listener waits for a call in flight on another thread.
TEST_F(TrackerSweepTest, RemovingAListenerWaitsForItsCallInFlight) {
  std::mutex m;
  std::condition_variable cv;
  bool inside = false;
  bool release = false;
  std::atomic<bool> finished{false};
  const auto id = tracker.add_violation_listener([&](const Violation&) {
    std::unique_lock<std::mutex> lock(m);
    inside = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    finished = true;
  });
  std::thread caller([&] { detail::publish_violation(tracker, Violation{}); });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return inside; });
  }
  std::thread remover([&] {
    tracker.remove_violation_listener(id);
    EXPECT_TRUE(finished.load());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<std::mutex> lock(m);
    release = true;
  }
  cv.notify_all();
  caller.join();
  remover.join();
}

TEST(Violation, DescribeIsTheCriticalLine) {
  Violation v;
  v.kind = ViolationKind::NotResident;
  v.pointer = ptr(0x7f00deadb000);
  v.bytes = 1048576;
  v.purpose = VramPurpose::KvCache;
  v.label = "kv.layer3";
  v.device = 0;
  v.memory_type = MemoryType::Managed;
  v.reason = "managed (unified) memory: its pages can migrate to host memory";
  EXPECT_EQ(to_string(v),
            "VRAM residency violated: pointer=0x7f00deadb000 bytes=1048576 purpose=KvCache "
            "label=\"kv.layer3\" memory_type=Managed device=0 kind=NotResident "
            "reason=\"managed (unified) memory: its pages can migrate to host memory\"");
}

}  // namespace
}  // namespace vram_only
