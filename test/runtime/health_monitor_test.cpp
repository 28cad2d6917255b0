// HealthMonitor with injected residency answers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <memory>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace vram_only {
namespace {

using namespace std::chrono_literals;
using testing::ptr;

constexpr std::uintptr_t kBase = 0x7f0000000000;

class HealthMonitorTest : public ::testing::Test, protected testing::TrackerFixture {
 protected:
  void SetUp() override { oracle.set(kBase, 64 << 20, MemoryType::Device, 0); }

  HealthMonitorOptions options(std::chrono::milliseconds interval = 60s) {
    HealthMonitorOptions o;
    o.interval = interval;
    return o;
  }

  std::vector<std::string> critical() const { return log.messages(LogLevel::Critical); }
};

// Waits (bounded) until pred() holds.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

TEST_F(HealthMonitorTest, NotHealthyBeforeTheFirstCheck) {
  HealthMonitor monitor(tracker, options());
  EXPECT_FALSE(monitor.is_healthy());
  const auto s = monitor.status();
  EXPECT_FALSE(s.healthy);
  EXPECT_FALSE(s.checked);
  EXPECT_FALSE(s.resident);
  EXPECT_EQ(s.last_check_secs, 0);
  EXPECT_STREQ(s.status_text(), "unhealthy");
}

TEST_F(HealthMonitorTest, StartChecksBeforeReturning) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "w", 0));
  HealthMonitor monitor(tracker, options());
  const auto before = std::chrono::system_clock::now();
  monitor.start();
  EXPECT_TRUE(monitor.running());
  EXPECT_TRUE(monitor.is_healthy());
  const auto s = monitor.status();
  EXPECT_TRUE(s.healthy);
  EXPECT_TRUE(s.checked);
  EXPECT_TRUE(s.resident);
  EXPECT_EQ(s.checks, 1u);
  EXPECT_EQ(s.vram_bytes_used, 4096u);
  EXPECT_EQ(s.live_allocations, 1u);
  EXPECT_EQ(s.bytes_by_purpose[detail::index_of(VramPurpose::ModelWeights)], 4096u);
  const auto now_secs = std::chrono::duration_cast<std::chrono::seconds>(
      before.time_since_epoch()).count();
  EXPECT_GE(s.last_check_secs, now_secs);
  EXPECT_LE(s.last_check_secs, now_secs + 5);
  EXPECT_TRUE(s.violations.empty());
  EXPECT_STREQ(s.status_text(), "healthy");
  monitor.stop();
  EXPECT_FALSE(monitor.running());
}

TEST_F(HealthMonitorTest, ViolationLogsTheCriticalLineAndTrips) {
  oracle.set(kBase + (64 << 20), 1 << 20, MemoryType::Managed, 0);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "w", 0));
  HealthMonitor monitor(tracker, options());
  std::vector<Violation> seen;
  monitor.on_violation([&](const Violation& v) { seen.push_back(v); });
  EXPECT_TRUE(monitor.check_now().healthy);

  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (64 << 20)), 1 << 20, VramPurpose::KvCache, "kv.layer0", 0));
  const auto s = monitor.check_now();
  EXPECT_FALSE(s.healthy);
  EXPECT_FALSE(s.resident);
  EXPECT_FALSE(monitor.is_healthy());
  ASSERT_EQ(s.violations.size(), 1u);
  EXPECT_EQ(s.violations[0].label, "kv.layer0");
  EXPECT_EQ(s.violations_total, 1u);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].memory_type, MemoryType::Managed);
  ASSERT_EQ(critical().size(), 1u);
  EXPECT_EQ(critical()[0],
            "VRAM residency violated: pointer=0x7f0004000000 bytes=1048576 purpose=KvCache "
            "label=\"kv.layer0\" memory_type=Managed device=0 kind=NotResident "
            "reason=\"managed (unified) memory: its pages can migrate to host memory\"");

  // Persisting: not reported again; still unhealthy.
  monitor.check_now();
  EXPECT_EQ(critical().size(), 1u);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(monitor.status().violations_total, 1u);
}

TEST_F(HealthMonitorTest, UnhealthyIsStickyUntilReset) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache, "kv", 0));
  HealthMonitor monitor(tracker, options());
  oracle.set(kBase, 4096, MemoryType::Host);
  EXPECT_FALSE(monitor.check_now().healthy);
  oracle.set(kBase, 4096, MemoryType::Device);  // flips back
  auto s = monitor.check_now();
  EXPECT_FALSE(s.healthy);  // sticky
  EXPECT_TRUE(s.resident);  // but the memory is fine now
  EXPECT_EQ(s.violations.size(), 1u);

  monitor.reset();
  s = monitor.status();
  EXPECT_TRUE(s.healthy);
  EXPECT_TRUE(s.violations.empty());

  oracle.set(kBase, 4096, MemoryType::Host);  // flips again: reported anew
  s = monitor.check_now();
  EXPECT_FALSE(s.healthy);
  EXPECT_EQ(s.violations_total, 2u);
  EXPECT_EQ(critical().size(), 2u);
}

TEST_F(HealthMonitorTest, ResetBeforeAnyCheckStaysUnchecked) {
  HealthMonitor monitor(tracker, options());
  monitor.reset();
  EXPECT_FALSE(monitor.is_healthy());
}

TEST_F(HealthMonitorTest, FailingDriverMarksUnhealthyWithTheReason) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache, "kv", 0));
  oracle.fail_all(CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN");
  HealthMonitor monitor(tracker, options());
  const auto s = monitor.check_now();
  EXPECT_FALSE(s.healthy);
  ASSERT_EQ(s.violations.size(), 1u);
  EXPECT_EQ(s.violations[0].kind, ViolationKind::QueryFailed);
  EXPECT_EQ(s.violations[0].reason, "cuPointerGetAttributes failed (CUDA_ERROR_UNKNOWN)");
  ASSERT_EQ(critical().size(), 1u);
  EXPECT_NE(critical()[0].find("memory_type=Error"), std::string::npos);
  EXPECT_NE(critical()[0].find("(CUDA_ERROR_UNKNOWN)"), std::string::npos);
}

TEST_F(HealthMonitorTest, StopReturnsPromptlyMidInterval) {
  HealthMonitor monitor(tracker, options(60s));
  monitor.start();
  std::this_thread::sleep_for(20ms);  // the thread now waits for its 60 s interval
  const auto t0 = std::chrono::steady_clock::now();
  monitor.stop();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, 100ms);
  EXPECT_FALSE(monitor.running());
}

TEST_F(HealthMonitorTest, StopInterruptsARunningSweep) {
  oracle.set_default(MemoryType::Device);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase + i * 8192), 4096, VramPurpose::Other));
  }
  std::mutex m;  // declared before the monitor: the hook outlives no test variable
  std::condition_variable cv;
  bool in_sweep = false;
  HealthMonitor monitor(tracker, options(1ms));
  monitor.start();
  oracle.on_query([&](const void*) {
    {
      std::lock_guard<std::mutex> lock(m);
      in_sweep = true;
    }
    cv.notify_all();
    std::this_thread::sleep_for(50us);  // a slow driver: 2000 queries take >= 100 ms
  });
  {
    std::unique_lock<std::mutex> lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return in_sweep; }));
  }
  const auto t0 = std::chrono::steady_clock::now();
  monitor.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  oracle.on_query(nullptr);
}

TEST_F(HealthMonitorTest, DetectsAViolationWithinOneInterval) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "w", 0));
  HealthMonitor monitor(tracker, options(50ms));
  monitor.start();
  ASSERT_TRUE(monitor.is_healthy());
  oracle.set(kBase + (64 << 20), 1 << 20, MemoryType::Managed, 0);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (64 << 20)), 4096, VramPurpose::KvCache, "kv", 0));
  ASSERT_TRUE(eventually([&] { return !monitor.is_healthy(); }));
  // One interval plus scheduling slack (the sweep itself takes microseconds).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 50ms + 1s);
  monitor.stop();
  ASSERT_EQ(monitor.status().violations.size(), 1u);
  EXPECT_EQ(monitor.status().violations[0].label, "kv");
}

TEST_F(HealthMonitorTest, LogLinesPerSweepAreCapped) {
  oracle.set_default(MemoryType::Host);  // outside the device range of SetUp
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(0x10000000 + i * 4096), 4096, VramPurpose::Other));
  }
  HealthMonitorOptions o = options();
  o.max_logged_per_sweep = 3;
  o.max_listed_violations = 5;
  HealthMonitor monitor(tracker, o);
  const auto s = monitor.check_now();
  EXPECT_EQ(s.violations_total, 20u);
  EXPECT_EQ(s.violations.size(), 5u);
  EXPECT_EQ(s.violations_unlisted, 15u);
  EXPECT_EQ(s.violations_dropped, 0u);
  const auto lines = critical();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3], "VRAM residency violated: 17 more violating allocations not listed");
  monitor.reset();
  EXPECT_EQ(monitor.status().violations_unlisted, 0u);
}

// The tracker's way of handing a violation to its listeners (tensor checks
// under ReportAndMarkUnhealthy use it).
void publish(VramTracker& tracker, const Violation& v) { vram_only::detail::publish_violation(tracker, v); }

Violation external_violation(std::uint64_t id) {
  Violation v;
  v.allocation_id = id;
  v.pointer = ptr(0x10000000 + id * 4096);
  v.bytes = 256;
  v.kind = ViolationKind::OutOfBounds;
  v.reason = "test";
  return v;
}

TEST_F(HealthMonitorTest, RememberedViolationsAreBoundedAndTheRestCounted) {
  oracle.set_default(MemoryType::Host);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(0x10000000 + i * 4096), 4096, VramPurpose::Other));
  }
  HealthMonitorOptions o = options();
  o.max_remembered_violations = 3;
  HealthMonitor monitor(tracker, o);
  int callbacks = 0;
  monitor.on_violation([&](const Violation&) { ++callbacks; });
  auto s = monitor.check_now();
  EXPECT_FALSE(s.healthy);
  EXPECT_EQ(s.violations_total, 3u);
  EXPECT_EQ(s.violations.size(), 3u);
  EXPECT_EQ(s.violations_dropped, 7u);
  EXPECT_EQ(callbacks, 3);
  auto lines = critical();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3],
            "VRAM residency violated: 7 violations found beyond the 3 the monitor remembers; "
            "counted, not reported one by one");
  // Found again: the remembered ones stay quiet, the others are counted again.
  s = monitor.check_now();
  EXPECT_EQ(s.violations_total, 3u);
  EXPECT_EQ(s.violations_dropped, 14u);
  EXPECT_EQ(callbacks, 3);
  EXPECT_EQ(critical().size(), 5u);
  // Tensor-check violations past the bound: counted, still unhealthy, no callback.
  publish(tracker, external_violation(100));
  s = monitor.status();
  EXPECT_EQ(s.violations_dropped, 15u);
  EXPECT_EQ(callbacks, 3);
  // reset() forgets: room again.
  monitor.reset();
  s = monitor.check_now();
  EXPECT_EQ(s.violations_total, 6u);
  EXPECT_EQ(s.violations_dropped, 22u);  // monotonic
  EXPECT_EQ(callbacks, 6);
}

TEST_F(HealthMonitorTest, ExternalViolationsAreRememberedUpToTheBound) {
  HealthMonitorOptions o = options();
  o.max_remembered_violations = 2;
  o.max_listed_violations = 1;
  HealthMonitor monitor(tracker, o);
  monitor.check_now();
  int callbacks = 0;
  monitor.on_violation([&](const Violation&) { ++callbacks; });
  for (std::uint64_t id = 1; id <= 5; ++id) {
    publish(tracker, external_violation(id));
    publish(tracker, external_violation(id));  // the same again
  }
  const auto s = monitor.status();
  EXPECT_FALSE(s.healthy);
  EXPECT_EQ(s.violations_total, 2u);
  ASSERT_EQ(s.violations.size(), 1u);
  EXPECT_EQ(s.violations[0].allocation_id, 1u);
  EXPECT_EQ(s.violations_unlisted, 1u);
  EXPECT_EQ(s.violations_dropped, 6u);  // ids 3, 4, 5, twice each
  EXPECT_EQ(callbacks, 2);
}

// ---- Lifetimes -------------------------------------------------------------

TEST_F(HealthMonitorTest, DestroyHooksRunFirstAndOnlyIfStillRegistered) {
  std::vector<std::string> calls;
  {
    HealthMonitor monitor(tracker, options());
    monitor.start();
    monitor.add_destroy_hook([&] {
      // The monitor is still whole here: it may be read one last time.
      calls.push_back(std::string("first, running=") + (monitor.running() ? "1" : "0"));
    });
    const auto removed = monitor.add_destroy_hook([&] { calls.push_back("removed"); });
    monitor.add_destroy_hook([&] { calls.push_back("second"); });
    monitor.remove_destroy_hook(removed);
    monitor.remove_destroy_hook(12345);  // unknown: ignored
  }
  EXPECT_EQ(calls, (std::vector<std::string>{"first, running=1", "second"}));
}

TEST_F(HealthMonitorTest, ADestroyedMonitorIsNeverCalledByTheTracker) {
  {
    HealthMonitor monitor(tracker, options());
    monitor.on_violation([](const Violation&) { FAIL() << "called"; });
  }
  publish(tracker, external_violation(1));  // no listener left: nothing happens
  SUCCEED();
}

TEST_F(HealthMonitorTest, DestructionWaitsForAListenerCallInFlight) {
  auto monitor = std::make_unique<HealthMonitor>(tracker, options());
  std::mutex m;
  std::condition_variable cv;
  bool in_callback = false;
  bool release = false;
  monitor->on_violation([&](const Violation&) {
    std::unique_lock<std::mutex> lock(m);
    in_callback = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  std::thread checker([&] { publish(tracker, external_violation(1)); });
  {
    std::unique_lock<std::mutex> lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return in_callback; }));
  }
  std::atomic<bool> destroyed{false};
  std::thread destroyer([&] {
    monitor.reset();
    destroyed = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(destroyed.load()) << "the monitor was destroyed while the tracker was calling it";
  {
    std::lock_guard<std::mutex> lock(m);
    release = true;
  }
  cv.notify_all();
  checker.join();
  destroyer.join();
  EXPECT_TRUE(destroyed.load());
}

TEST_F(HealthMonitorTest, OwnSinkAndOracleOptions) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache, "kv", 0));
  testing::FakeOracle host_oracle;
  host_oracle.set_default(MemoryType::Host);
  testing::CapturingSink own;
  HealthMonitorOptions o = options();
  o.oracle = &host_oracle;
  o.sink = own.sink();
  HealthMonitor monitor(tracker, o);
  EXPECT_FALSE(monitor.check_now().healthy);
  EXPECT_EQ(oracle.queries(), 0u);
  EXPECT_EQ(own.messages(LogLevel::Critical).size(), 1u);
  EXPECT_TRUE(critical().empty());
}

TEST_F(HealthMonitorTest, CallbacksCanBeRemovedAndMayThrow) {
  oracle.set_default(MemoryType::Unregistered);
  HealthMonitor monitor(tracker, options());
  int calls = 0;
  const auto id = monitor.on_violation([&](const Violation&) { ++calls; });
  monitor.on_violation([](const Violation&) { throw std::runtime_error("callback bug"); });
  ASSERT_TRUE(tracker.record_allocation(ptr(0x10000), 4096, VramPurpose::Other, "a"));
  monitor.check_now();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(log.messages(LogLevel::Error).size(), 1u);
  monitor.remove_callback(id);
  ASSERT_TRUE(tracker.record_allocation(ptr(0x20000), 4096, VramPurpose::Other, "b"));
  monitor.check_now();
  EXPECT_EQ(calls, 1);
}

TEST_F(HealthMonitorTest, StartIsIdempotentAndRestartable) {
  HealthMonitor monitor(tracker, options(5ms));
  monitor.start();
  monitor.start();
  EXPECT_TRUE(monitor.running());
  monitor.stop();
  monitor.stop();
  monitor.start();
  EXPECT_TRUE(eventually([&] { return monitor.status().checks >= 3; }));
  monitor.stop();
}

TEST_F(HealthMonitorTest, StatusDoesNotWaitForARunningSweep) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Other, "a", 0));
  HealthMonitor monitor(tracker, options());
  monitor.check_now();
  testing::StuckQueries stuck(oracle);
  std::thread sweeper([&] { monitor.check_now(); });
  ASSERT_TRUE(stuck.wait_until_stuck());
  // The sweep is stuck inside the driver; status() answers from the last check.
  const auto s = monitor.status();
  EXPECT_TRUE(s.healthy);
  EXPECT_EQ(s.checks, 1u);
  EXPECT_TRUE(monitor.is_healthy());
  stuck.release();
  sweeper.join();
  EXPECT_EQ(monitor.status().checks, 2u);
}

}  // namespace
}  // namespace vram_only
