// Eight threads recording, deallocating, looking up and checking tensors
// while sweeps and a HealthMonitor run. Meant to be run under
// ThreadSanitizer and AddressSanitizer (./scripts/test does both).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::ptr;

constexpr int kThreads = 8;
constexpr int kRounds = 300;
constexpr std::uintptr_t kRegion = std::uintptr_t{1} << 40;  // 1 TiB per thread
constexpr std::uintptr_t kBase = std::uintptr_t{1} << 44;

struct Live {
  std::uintptr_t base;
  std::size_t bytes;
};

std::size_t random_size(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0:
      return 1 + rng() % 4096;  // level 0
    case 1:
      return 4097 + rng() % 200000;  // level 1
    case 2:
      return (std::size_t{1} << 20) + rng() % (8u << 20);  // level 2
    default:
      return (std::size_t{32} << 20) + rng() % (std::size_t{200} << 20);  // level 3
  }
}

TEST(TrackerStress, EightThreadsWithSweepsAndAMonitor) {
  testing::TrackerFixture f;
  f.oracle.set_default(MemoryType::Device);
  for (int t = 0; t < kThreads; ++t) {  // thread t's region is memory of device t
    f.oracle.set(kBase + static_cast<std::uintptr_t>(t) * kRegion, kRegion, MemoryType::Device, t);
  }
  HealthMonitorOptions options;
  options.interval = std::chrono::milliseconds(1);
  HealthMonitor monitor(f.tracker, options);
  monitor.start();

  std::atomic<bool> done{false};
  std::atomic<int> sweep_violations{0};
  std::atomic<int> sweeps{0};
  std::thread sweeper([&] {
    while (!done.load()) {
      const auto report = f.tracker.verify_vram_residency();
      sweep_violations += static_cast<int>(report.violations.size());
      ++sweeps;
    }
  });

  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(1234 + t);
      const std::uintptr_t region = kBase + static_cast<std::uintptr_t>(t) * kRegion;
      std::uintptr_t next = region;
      std::vector<Live> live;
      for (int round = 0; round < kRounds; ++round) {
        // Record a few allocations at increasing addresses (never overlapping).
        for (int k = 0; k < 4; ++k) {
          const std::size_t bytes = random_size(rng);
          const std::uintptr_t base = next + (rng() % 8) * 256;
          next = base + bytes + 256;
          if (!f.tracker.record_allocation(ptr(base), bytes, VramPurpose::Activations, "t", t)) {
            ++failures;
          }
          live.push_back({base, bytes});
        }
        // Every live allocation of this thread is found from inside.
        for (const Live& l : live) {
          const std::uintptr_t inside = l.base + rng() % l.bytes;
          const auto hit = f.tracker.find(ptr(inside));
          if (!hit || hit->base != ptr(l.base) || hit->bytes != l.bytes) {
            ++failures;
          }
        }
        // Tensor checks on a live allocation.
        const Live& some = live[rng() % live.size()];
        if (check_tensor_range(f.tracker, ptr(some.base), some.bytes).has_value()) {
          ++failures;
        }
        // Look into another thread's region: whatever is found must contain the address.
        const std::uintptr_t foreign =
            kBase + ((t + 1) % kThreads) * kRegion + rng() % (std::uintptr_t{1} << 32);
        if (const auto hit = f.tracker.find(ptr(foreign))) {
          if (!hit->contains(ptr(foreign))) {
            ++failures;
          }
        }
        // Deallocate about half.
        for (std::size_t i = 0; i < live.size();) {
          if (rng() % 2 == 0) {
            if (!f.tracker.record_deallocation(ptr(live[i].base))) {
              ++failures;
            }
            live[i] = live.back();
            live.pop_back();
          } else {
            ++i;
          }
        }
      }
      for (const Live& l : live) {
        if (!f.tracker.record_deallocation(ptr(l.base))) {
          ++failures;
        }
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  done = true;
  sweeper.join();
  monitor.stop();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sweep_violations.load(), 0);
  EXPECT_GT(sweeps.load(), 0);
  EXPECT_EQ(f.tracker.live_count(), 0u);
  EXPECT_EQ(f.tracker.total_usage(), 0u);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(f.tracker.usage_on_device(t), 0u);
  }
  EXPECT_EQ(f.tracker.misuse().total(), 0u);
  EXPECT_GT(f.tracker.peak_usage(), 0u);
  EXPECT_TRUE(monitor.is_healthy());
  EXPECT_TRUE(f.log.lines().empty());
}

TEST(TrackerStress, ConcurrentMisuseKeepsTotalsConsistent) {
  testing::TrackerFixture f;
  f.oracle.set_default(MemoryType::Device);
  constexpr int kSlots = 64;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(99 + t);
      for (int i = 0; i < 2000; ++i) {
        // Every thread records and frees the same small set of addresses:
        // double records, overlaps and unknown frees galore.
        const std::uintptr_t base = kBase + (rng() % kSlots) * 4096 + (rng() % 4) * 1024;
        if (rng() % 2 == 0) {
          f.tracker.record_allocation(ptr(base), 1024 + rng() % 4096, VramPurpose::Other);
        } else {
          f.tracker.record_deallocation(ptr(base));
        }
        f.tracker.find(ptr(base + 100));
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  const auto all = f.tracker.snapshot();
  std::uint64_t bytes = 0;
  for (const auto& a : all) {
    bytes += a.bytes;
  }
  EXPECT_EQ(f.tracker.live_count(), all.size());
  EXPECT_EQ(f.tracker.total_usage(), bytes);
  EXPECT_EQ(f.tracker.usage(VramPurpose::Other), bytes);
  EXPECT_GT(f.tracker.misuse().total(), 0u);
  // Everything left can be freed exactly once.
  for (const auto& a : all) {
    EXPECT_TRUE(f.tracker.record_deallocation(a.base));
  }
  EXPECT_EQ(f.tracker.total_usage(), 0u);
  EXPECT_EQ(f.tracker.live_count(), 0u);
}

// A snapshot is what /health and the report show: it must be a state the
// records were in at one moment. One writer moves a range back and forth
// between two overlapping places, each record dropping the other (so one of
// them is live at every moment), right where a snapshot copied in
// 64-record pieces would cut: 63 fixed records lie below them.
TEST(TrackerStress, SnapshotsNeverShowRangesThatNeverCoexisted) {
  testing::FakeOracle oracle;
  TrackerOptions options;
  options.oracle = &oracle;
  options.sink = [](LogLevel, std::string_view) {};  // a line per dropped overlap otherwise
  VramTracker tracker(options);
  for (std::uintptr_t k = 1; k <= 63; ++k) {
    ASSERT_TRUE(tracker.record_allocation(ptr(k << 20), 4096, VramPurpose::ModelWeights, "fixed", 0));
  }
  const std::uintptr_t first = std::uintptr_t{1} << 32;
  const std::uintptr_t second = first + 2048;  // overlaps the first's upper half
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done.load(std::memory_order_relaxed)) {
      for (const std::uintptr_t base : {first, second}) {
        tracker.record_allocation(ptr(base), 4096, VramPurpose::Activations, "moving", 0);
      }
    }
  });
  int torn = 0;
  int snapshots = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (; snapshots < 20000 && std::chrono::steady_clock::now() < until; ++snapshots) {
    const std::vector<AllocationInfo> all = tracker.snapshot();
    for (std::size_t i = 1; i < all.size(); ++i) {
      const auto previous_end = reinterpret_cast<std::uintptr_t>(all[i - 1].base) + all[i - 1].bytes;
      torn += previous_end > reinterpret_cast<std::uintptr_t>(all[i].base) ? 1 : 0;
    }
  }
  done = true;
  writer.join();
  EXPECT_EQ(torn, 0) << "of " << snapshots << " snapshots";
}

}  // namespace
}  // namespace vram_only
