// VramTracker: recording, range lookups, totals, peak, snapshots.
#include <gtest/gtest.h>

#include <cassert>
#include <cstdint>
#include <map>
#include <type_traits>
#include <random>
#include <set>
#include <vector>

#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::ptr;
using testing::TrackerFixture;

constexpr std::uintptr_t kBase = 0x7f0000000000;

class VramTrackerTest : public ::testing::Test, protected TrackerFixture {};

TEST_F(VramTrackerTest, EmptyTracker) {
  EXPECT_EQ(tracker.total_usage(), 0u);
  EXPECT_EQ(tracker.live_count(), 0u);
  EXPECT_EQ(tracker.peak_usage(), 0u);
  EXPECT_FALSE(tracker.find(ptr(kBase)).has_value());
  EXPECT_FALSE(tracker.find(nullptr).has_value());
  EXPECT_TRUE(tracker.snapshot().empty());
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

TEST_F(VramTrackerTest, RecordFindAndDeallocate) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache, "kv.0", 1));
  EXPECT_EQ(tracker.total_usage(), 4096u);
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.usage(VramPurpose::KvCache), 4096u);
  EXPECT_EQ(tracker.usage(VramPurpose::ModelWeights), 0u);
  EXPECT_EQ(tracker.usage_on_device(1), 4096u);
  EXPECT_EQ(tracker.usage_on_device(0), 0u);

  const auto hit = tracker.find(ptr(kBase + 100));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->base, ptr(kBase));
  EXPECT_EQ(hit->bytes, 4096u);
  EXPECT_EQ(hit->purpose, VramPurpose::KvCache);
  EXPECT_EQ(hit->device, 1);
  EXPECT_NE(hit->id, 0u);
  EXPECT_EQ(hit->residency, ResidencyState::Unknown);

  const auto info = tracker.describe(ptr(kBase + 4095));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->label, "kv.0");
  EXPECT_EQ(info->id, hit->id);

  EXPECT_TRUE(tracker.record_deallocation(ptr(kBase)));
  EXPECT_EQ(tracker.total_usage(), 0u);
  EXPECT_EQ(tracker.live_count(), 0u);
  EXPECT_EQ(tracker.usage(VramPurpose::KvCache), 0u);
  EXPECT_EQ(tracker.usage_on_device(1), 0u);
  EXPECT_FALSE(tracker.find(ptr(kBase + 100)).has_value());
  EXPECT_EQ(tracker.peak_usage(), 4096u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
  EXPECT_TRUE(log.lines().empty());
}

TEST_F(VramTrackerTest, LookupBoundaries) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + 512), 1000, VramPurpose::Activations));
  EXPECT_FALSE(tracker.find(ptr(kBase + 511)).has_value());  // one before
  EXPECT_TRUE(tracker.find(ptr(kBase + 512)).has_value());   // first byte
  EXPECT_TRUE(tracker.find(ptr(kBase + 1511)).has_value());  // last byte
  EXPECT_FALSE(tracker.find(ptr(kBase + 1512)).has_value()); // one past the end
}

TEST_F(VramTrackerTest, DefaultDeviceIsUnknown) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 64, VramPurpose::Other));
  EXPECT_EQ(tracker.find(ptr(kBase))->device, -1);
  EXPECT_EQ(tracker.usage_on_device(-1), 64u);
}

TEST_F(VramTrackerTest, RareDeviceOrdinalsAreCountedByScanning) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 64, VramPurpose::Other, "", 100));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + 4096), 32, VramPurpose::Other, "", 63));
  EXPECT_EQ(tracker.usage_on_device(100), 64u);
  EXPECT_EQ(tracker.usage_on_device(63), 32u);
  EXPECT_EQ(tracker.find(ptr(kBase))->device, 100);
}

// Every size class, including allocations that straddle a granule boundary.
class SizeClassTest : public ::testing::TestWithParam<std::uint64_t>, protected TrackerFixture {};

TEST_P(SizeClassTest, InteriorPointersFindTheirAllocation) {
  const std::uint64_t bytes = GetParam();
  // A base just below a large power-of-two boundary, so the range crosses granules.
  const std::uintptr_t base = (std::uintptr_t{1} << 46) - 768;
  ASSERT_TRUE(tracker.record_allocation(ptr(base), bytes, VramPurpose::ModelWeights, "w"));
  for (const std::uint64_t offset : {std::uint64_t{0}, bytes / 3, bytes / 2, bytes - 1}) {
    const auto hit = tracker.find(ptr(base + offset));
    ASSERT_TRUE(hit.has_value()) << "offset " << offset;
    EXPECT_EQ(hit->base, ptr(base));
    EXPECT_EQ(hit->bytes, bytes);
  }
  EXPECT_FALSE(tracker.find(ptr(base + bytes)).has_value());
  EXPECT_FALSE(tracker.find(ptr(base - 1)).has_value());
  EXPECT_EQ(tracker.total_usage(), bytes);
  EXPECT_TRUE(tracker.record_deallocation(ptr(base)));
  EXPECT_EQ(tracker.live_count(), 0u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllLevels, SizeClassTest,
                         ::testing::Values(1, 512, 4096, 4097, 65536, 262144, 262145,
                                           16u << 20, (16u << 20) + 1, std::uint64_t{1} << 30,
                                           (std::uint64_t{1} << 30) + 1, std::uint64_t{1} << 40));

TEST_F(VramTrackerTest, MixedSizesSideBySide) {
  // Neighbours of very different sizes must never be confused.
  struct A { std::uintptr_t base; std::size_t bytes; };
  const std::vector<A> allocations = {
      {kBase, 256}, {kBase + 256, 3840}, {kBase + 4096, 1 << 20},
      {kBase + 4096 + (1 << 20), 512}, {kBase + (64 << 20), std::size_t{1} << 31}};
  std::uint64_t total = 0;
  for (const A& a : allocations) {
    ASSERT_TRUE(tracker.record_allocation(ptr(a.base), a.bytes, VramPurpose::Workspace));
    total += a.bytes;
  }
  EXPECT_EQ(tracker.total_usage(), total);
  for (const A& a : allocations) {
    for (const std::size_t offset : {std::size_t{0}, a.bytes - 1}) {
      const auto hit = tracker.find(ptr(a.base + offset));
      ASSERT_TRUE(hit.has_value());
      EXPECT_EQ(hit->base, ptr(a.base)) << std::hex << a.base << " +" << offset;
    }
  }
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

// Records that straddle 4 KiB, 2 MiB and 64 MiB boundaries are found from
// either side, and not past their end.
TEST_F(VramTrackerTest, RecordsCrossingIntoTheNextGranuleAreFoundFromIt) {
  const std::uintptr_t in_group = kBase + (5 << 12) - 100;           // crosses 4 KiB granule 5
  const std::uintptr_t at_group = kBase + (std::uintptr_t{2} << 20) - 100;  // crosses a 2 MiB group
  const std::uintptr_t level1 = kBase + (std::uintptr_t{64} << 20) - 1000;  // 48 KiB across 256 KiB + 64 MiB
  ASSERT_TRUE(tracker.record_allocation(ptr(in_group), 4000, VramPurpose::Other));
  ASSERT_TRUE(tracker.record_allocation(ptr(at_group), 4000, VramPurpose::Other));
  ASSERT_TRUE(tracker.record_allocation(ptr(level1), 48 << 10, VramPurpose::Other));
  for (const std::uintptr_t base : {in_group, at_group}) {
    EXPECT_EQ(tracker.find(ptr(base + 99))->base, ptr(base));    // last byte of the first granule
    EXPECT_EQ(tracker.find(ptr(base + 100))->base, ptr(base));   // first byte of the next one
    EXPECT_EQ(tracker.find(ptr(base + 3999))->base, ptr(base));  // last byte
    EXPECT_FALSE(tracker.find(ptr(base + 4000)).has_value());
  }
  EXPECT_EQ(tracker.find(ptr(level1 + 1000))->base, ptr(level1));
  EXPECT_EQ(tracker.find(ptr(level1 + (48 << 10) - 1))->base, ptr(level1));
  EXPECT_FALSE(tracker.find(ptr(level1 + (48 << 10))).has_value());
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

// A new record overlapping an old one that straddles a boundary is caught
// at once.
class CrossingOverlapTest : public ::testing::TestWithParam<std::uintptr_t>,
                            protected TrackerFixture {};

TEST_P(CrossingOverlapTest, NewRecordInTheNextGranuleDropsTheCrossingOne) {
  const std::uintptr_t boundary = GetParam();  // a 4 KiB granule boundary
  ASSERT_TRUE(tracker.record_allocation(ptr(boundary - 100), 4000, VramPurpose::Other, "old"));
  ASSERT_TRUE(tracker.record_allocation(ptr(boundary + 3000), 96, VramPurpose::Other, "unrelated"));
  ASSERT_TRUE(tracker.record_allocation(ptr(boundary + 512), 512, VramPurpose::Other, "new"));
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_EQ(tracker.live_count(), 2u);
  EXPECT_EQ(tracker.total_usage(), 608u);
  EXPECT_FALSE(tracker.find(ptr(boundary - 100)).has_value());
  EXPECT_EQ(tracker.describe(ptr(boundary + 600))->label, "new");
  ASSERT_EQ(log.messages(LogLevel::Warning).size(), 1u);
  EXPECT_NE(log.messages(LogLevel::Warning)[0].find("label=\"old\", which is dropped"),
            std::string::npos);
}

TEST_P(CrossingOverlapTest, NewRecordReachingIntoTheNextGranuleDropsWhatItMeets) {
  const std::uintptr_t boundary = GetParam();
  ASSERT_TRUE(tracker.record_allocation(ptr(boundary + 100), 64, VramPurpose::Other, "old"));
  ASSERT_TRUE(tracker.record_allocation(ptr(boundary - 2000), 2200, VramPurpose::Other, "new"));
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.find(ptr(boundary + 150))->base, ptr(boundary - 2000));
}

INSTANTIATE_TEST_SUITE_P(InAGroupAndAtAGroupBoundary, CrossingOverlapTest,
                         ::testing::Values(kBase + (7 << 12), kBase + (std::uintptr_t{6} << 20)));

// The base of the range of `reference` (base -> bytes) that holds p, or 0:
// what the tracker's find() must answer, for the reference-map tests.
std::uintptr_t reference_base(const std::map<std::uintptr_t, std::size_t>& reference, std::uintptr_t p) {
  auto it = reference.upper_bound(p);
  if (it == reference.begin()) {
    return 0;
  }
  --it;
  return p - it->first < it->second ? it->first : 0;
}

// Random layouts of every size class (most ranges not aligned to their
// granule) against a reference map: every probe finds exactly what the
// reference says, before and after half the records are freed.
TEST_F(VramTrackerTest, RandomLayoutsMatchAReferenceMap) {
  std::mt19937_64 rng(2024);
  std::map<std::uintptr_t, std::size_t> reference;
  std::uintptr_t next = kBase;
  for (int i = 0; i < 4000; ++i) {
    const unsigned scale = static_cast<unsigned>(rng() % 4);
    const std::size_t bytes = 1 + rng() % (std::size_t{1} << (8 + 6 * scale));
    next += rng() % 3 == 0 ? 0 : 1 + rng() % (std::size_t{1} << (8 + 6 * (rng() % 4)));
    ASSERT_TRUE(tracker.record_allocation(ptr(next), bytes, VramPurpose::Other));
    reference[next] = bytes;
    next += bytes;
  }
  const auto expected = [&](std::uintptr_t p) { return reference_base(reference, p); };
  const auto probe_all = [&] {
    for (int k = 0; k < 40000; ++k) {
      const std::uintptr_t p = kBase + rng() % (next - kBase + 4096);
      const auto hit = tracker.find(ptr(p));
      const std::uintptr_t want = expected(p);
      ASSERT_EQ(hit.has_value() ? reinterpret_cast<std::uintptr_t>(hit->base) : 0, want)
          << std::hex << "probe " << p;
    }
  };
  probe_all();
  for (auto it = reference.begin(); it != reference.end();) {
    if (rng() % 2 == 0) {
      ASSERT_TRUE(tracker.record_deallocation(ptr(it->first)));
      it = reference.erase(it);
    } else {
      ++it;
    }
  }
  probe_all();
  EXPECT_EQ(tracker.live_count(), reference.size());
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

TEST_F(VramTrackerTest, ManyRecordsGrowTheTablesAndStayFindable) {
  std::mt19937_64 rng(42);
  std::vector<std::uintptr_t> bases;
  for (int i = 0; i < 20000; ++i) {
    bases.push_back(kBase + static_cast<std::uintptr_t>(i) * 8192 + (rng() % 8) * 512);
  }
  std::shuffle(bases.begin(), bases.end(), rng);
  for (const auto b : bases) {
    ASSERT_TRUE(tracker.record_allocation(ptr(b), 512, VramPurpose::KvCache));
  }
  EXPECT_EQ(tracker.live_count(), bases.size());
  EXPECT_EQ(tracker.total_usage(), bases.size() * 512);
  for (const auto b : bases) {
    ASSERT_TRUE(tracker.find(ptr(b + 511)).has_value());
    ASSERT_FALSE(tracker.find(ptr(b + 512)).has_value());
  }
  // Remove every other one; the rest must still be found.
  for (std::size_t i = 0; i < bases.size(); i += 2) {
    ASSERT_TRUE(tracker.record_deallocation(ptr(bases[i])));
  }
  for (std::size_t i = 0; i < bases.size(); ++i) {
    EXPECT_EQ(tracker.find(ptr(bases[i] + 7)).has_value(), i % 2 == 1) << i;
  }
  EXPECT_EQ(tracker.live_count(), bases.size() / 2);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

TEST_F(VramTrackerTest, ManySmallAllocationsInOneGranule) {
  // 64 records of 64 bytes in one 4 KiB page.
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase + i * 64), 64, VramPurpose::Other));
  }
  for (int i = 0; i < 64; ++i) {
    const auto hit = tracker.find(ptr(kBase + i * 64 + 63));
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->base, ptr(kBase + i * 64));
  }
  for (int i = 0; i < 64; i += 3) {
    ASSERT_TRUE(tracker.record_deallocation(ptr(kBase + i * 64)));
  }
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(tracker.find(ptr(kBase + i * 64)).has_value(), i % 3 != 0) << i;
  }
}

TEST_F(VramTrackerTest, IdsAreUniqueAcrossRecords) {
  std::set<std::uint64_t> ids;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(tracker.record_allocation(ptr(kBase + i * 4096), 4096, VramPurpose::Other));
      ASSERT_TRUE(ids.insert(tracker.find(ptr(kBase + i * 4096))->id).second);
    }
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(tracker.record_deallocation(ptr(kBase + i * 4096)));
    }
  }
}

TEST_F(VramTrackerTest, SnapshotListsEveryAllocationWithLabels) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "blk.0.attn_q.weight", 0));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (1 << 20)), 8 << 20, VramPurpose::KvCache, "kv", 0));
  auto all = tracker.snapshot();
  ASSERT_EQ(all.size(), 2u);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.base < b.base; });
  EXPECT_EQ(all[0].label, "blk.0.attn_q.weight");
  EXPECT_EQ(all[0].bytes, 4096u);
  EXPECT_EQ(all[0].purpose, VramPurpose::ModelWeights);
  EXPECT_EQ(all[1].label, "kv");
  EXPECT_EQ(all[1].bytes, std::size_t{8} << 20);
}

TEST_F(VramTrackerTest, PeakIsExactWithoutAnyQuery) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 2 << 20, VramPurpose::Other));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (4 << 20)), 3 << 20, VramPurpose::Other));
  ASSERT_TRUE(tracker.record_deallocation(ptr(kBase)));
  ASSERT_TRUE(tracker.record_deallocation(ptr(kBase + (4 << 20))));
  EXPECT_EQ(tracker.peak_usage(), std::uint64_t{5} << 20);
  EXPECT_EQ(tracker.total_usage(), 0u);
}

TEST_F(VramTrackerTest, PeakCountsSmallRecordsToo) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase + i * 4096), 1024, VramPurpose::Other));
  }
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(tracker.record_deallocation(ptr(kBase + i * 4096)));
  }
  EXPECT_EQ(tracker.peak_usage(), 102400u);
}

// The seed's API: `bool verify_vram_residency() const;` used as
// `if (!model.verify_vram_residency())` and `assert(...)` compiles on a
// const tracker and means "every allocation is resident".
TEST_F(VramTrackerTest, VerifyResidencyReadsAsABoolOnAConstTracker) {
  const VramTracker& const_tracker = tracker;
  static_assert(!std::is_convertible<ResidencyReport, bool>::value,
                "explicit: no silent conversion outside conditions");
  static_assert(std::is_constructible<bool, ResidencyReport>::value, "usable in conditions");
  oracle.set_default(MemoryType::Device);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "w", 0));
  bool failed = false;
  if (!const_tracker.verify_vram_residency()) {
    failed = true;
  }
  EXPECT_FALSE(failed);
  assert(const_tracker.verify_vram_residency());
  EXPECT_TRUE(const_tracker.verify_vram_residency() ? true : false);

  oracle.set(kBase, 4096, MemoryType::Managed);
  if (!const_tracker.verify_vram_residency()) {
    failed = true;
  }
  EXPECT_TRUE(failed);
  EXPECT_FALSE(static_cast<bool>(const_tracker.verify_vram_residency()));
}

// What the old tracker got wrong until its next sweep: after a missed
// deallocation, a new range over the stale smaller record. Lookups inside
// it must find the new record at once (and the stale one is dropped).
TEST_F(VramTrackerTest, NewRangeOverAStaleSmallRecordIsExactAtOnce) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (32 << 20)), 4096, VramPurpose::KvCache, "stale"));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 64 << 20, VramPurpose::ModelWeights, "weights"));
  const auto hit = tracker.find(ptr(kBase + (32 << 20) + 10));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->base, ptr(kBase));
  EXPECT_EQ(hit->bytes, std::size_t{64} << 20);
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_FALSE(check_tensor_range(tracker, ptr(kBase + (32 << 20)), 1 << 20).has_value() &&
               check_tensor_range(tracker, ptr(kBase + (32 << 20)), 1 << 20)->kind ==
                   ViolationKind::OutOfBounds);
}

// Random records (overlapping ones included: the new one wins), frees
// (known and unknown) and lookups against a reference map that applies
// the same rules; after every single operation a probe near it and the
// totals must agree with the reference.
TEST_F(VramTrackerTest, EveryOperationAgreesWithAReferenceMapAtOnce) {
  std::mt19937_64 rng(77);
  std::map<std::uintptr_t, std::size_t> reference;
  std::uint64_t total = 0;
  std::uint64_t peak = 0;
  const auto expected = [&](std::uintptr_t p) { return reference_base(reference, p); };
  const auto check = [&](std::uintptr_t p) {
    const auto hit = tracker.find(ptr(p));
    ASSERT_EQ(hit.has_value() ? reinterpret_cast<std::uintptr_t>(hit->base) : 0, expected(p))
        << std::hex << "probe " << p;
  };
  const std::uintptr_t span = std::uintptr_t{1} << 24;
  for (int i = 0; i < 20000; ++i) {
    const std::uintptr_t a = kBase + rng() % span;
    if (rng() % 3 != 0) {
      const std::size_t bytes = 1 + rng() % (std::size_t{1} << (4 + rng() % 16));
      for (auto it = reference.begin(); it != reference.end();) {
        if (it->first <= a + bytes - 1 && a <= it->first + it->second - 1) {
          total -= it->second;
          it = reference.erase(it);
        } else {
          ++it;
        }
      }
      reference[a] = bytes;
      total += bytes;
      peak = std::max(peak, total);
      ASSERT_TRUE(tracker.record_allocation(ptr(a), bytes, VramPurpose::Other));
      check(a + rng() % bytes);
      check(a + bytes);
      check(a - 1);
    } else {
      // Free a live base half of the time, else an arbitrary address.
      std::uintptr_t p = a;
      auto it = reference.lower_bound(a);
      if (rng() % 2 == 0 && it != reference.end()) {
        p = it->first;
      }
      const auto live = reference.find(p);
      const bool known = live != reference.end();
      if (known) {
        total -= live->second;
        reference.erase(live);
      }
      ASSERT_EQ(tracker.record_deallocation(ptr(p)), known);
      check(p);
    }
    ASSERT_EQ(tracker.total_usage(), total);
    ASSERT_EQ(tracker.live_count(), reference.size());
    ASSERT_EQ(tracker.peak_usage(), peak);
  }
  for (int k = 0; k < 20000; ++k) {
    check(kBase + rng() % (span + 4096));
  }
  const auto all = tracker.snapshot();
  ASSERT_EQ(all.size(), reference.size());
  auto it = reference.begin();
  for (const auto& info : all) {
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(info.base), it->first);
    ASSERT_EQ(info.bytes, it->second);
    ++it;
  }
}

TEST_F(VramTrackerTest, DeviceOrdinalsItCannotStoreAreRefused) {
  EXPECT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Other, "max", VramTracker::kMaxDevice));
  EXPECT_EQ(tracker.find(ptr(kBase))->device, VramTracker::kMaxDevice);
  EXPECT_TRUE(tracker.record_allocation(ptr(kBase + 8192), 4096, VramPurpose::Other, "unknown", -1));
  EXPECT_FALSE(tracker.record_allocation(ptr(kBase + 16384), 4096, VramPurpose::Other, "big", 65535));
  EXPECT_FALSE(tracker.record_allocation(ptr(kBase + 16384), 4096, VramPurpose::Other, "big",
                                         VramTracker::kMaxDevice + 1));
  EXPECT_FALSE(tracker.record_allocation(ptr(kBase + 16384), 4096, VramPurpose::Other, "neg", -2));
  EXPECT_FALSE(tracker.find(ptr(kBase + 16384)).has_value());
  EXPECT_EQ(tracker.misuse().invalid_devices, 3u);
  EXPECT_EQ(tracker.misuse().total(), 3u);
  EXPECT_EQ(tracker.live_count(), 2u);
  const auto warnings = log.messages(LogLevel::Warning);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], "tracker misuse: record_allocation(" + detail::format_pointer(ptr(kBase + 16384)) +
                             " +4096 bytes, Other, label=\"big\", device 65535) refused: device "
                             "ordinal 65535 is outside -1 (unknown) .. 32767");
}

TEST(VramTrackerDefault, IsOneProcessWideInstance) {
  EXPECT_EQ(&default_tracker(), &default_tracker());
}

TEST(VramPurpose, ToString) {
  EXPECT_EQ(to_string(VramPurpose::ModelWeights), "ModelWeights");
  EXPECT_EQ(to_string(VramPurpose::KvCache), "KvCache");
  EXPECT_EQ(to_string(VramPurpose::Activations), "Activations");
  EXPECT_EQ(to_string(VramPurpose::Workspace), "Workspace");
  EXPECT_EQ(to_string(VramPurpose::Other), "Other");
}

TEST(TrackedAllocation, Contains) {
  TrackedAllocation a;
  a.base = ptr(1000);
  a.bytes = 100;
  EXPECT_TRUE(a.contains(ptr(1000), 100));
  EXPECT_TRUE(a.contains(ptr(1099), 1));
  EXPECT_FALSE(a.contains(ptr(1099), 2));
  EXPECT_FALSE(a.contains(ptr(999), 1));
  EXPECT_FALSE(a.contains(ptr(1100), 0));
  EXPECT_TRUE(a.contains(ptr(1050), 0));
}

}  // namespace
}  // namespace vram_only

namespace vram_only {
namespace {

// Mixed sizes from 64 bytes to 3 GiB, several seeds.
class MixedSizesTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(MixedSizesTest, RecordFindAndFree) {
  testing::FakeOracle oracle;
  oracle.set_default(MemoryType::Device);
  TrackerOptions options;
  options.oracle = &oracle;
  VramTracker tracker(options);
  std::mt19937_64 rng(GetParam());
  struct A { std::uintptr_t base; std::size_t bytes; };
  std::vector<A> live;
  std::uintptr_t next = std::uintptr_t{0x7f} << 40;
  const std::size_t sizes[] = {64, 4096, 5000, 300000, 20u << 20, std::size_t{3} << 30};
  for (int i = 0; i < 3000; ++i) {
    const std::size_t bytes = sizes[rng() % 6];
    next += (rng() % 4) * 4096;
    live.push_back({next, bytes});
    ASSERT_TRUE(tracker.record_allocation(ptr(next), bytes, VramPurpose::Other));
    next += bytes;
  }
  for (const A& a : live) {
    const std::uintptr_t inside = a.base + rng() % a.bytes;
    const auto hit = tracker.find(ptr(inside));
    ASSERT_TRUE(hit.has_value()) << std::hex << inside;
    ASSERT_EQ(hit->base, ptr(a.base));
  }
  EXPECT_TRUE(tracker.verify_vram_residency().resident());
  EXPECT_EQ(tracker.live_count(), live.size());
  for (const A& a : live) {
    ASSERT_TRUE(tracker.record_deallocation(ptr(a.base)));
  }
  EXPECT_EQ(tracker.total_usage(), 0u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, MixedSizesTest, ::testing::Values(0u, 12u, 16u, 21u));

}  // namespace
}  // namespace vram_only
