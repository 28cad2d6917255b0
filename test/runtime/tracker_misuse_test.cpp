// Misuse of the tracker is counted and logged, never a crash or a wrong total.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::ptr;

constexpr std::uintptr_t kBase = 0x7f0000000000;

class TrackerMisuseTest : public ::testing::Test, protected testing::TrackerFixture {
 protected:
  std::vector<std::string> warnings() const { return log.messages(LogLevel::Warning); }
};

TEST_F(TrackerMisuseTest, NullRecordIsIgnored) {
  EXPECT_FALSE(tracker.record_allocation(nullptr, 4096, VramPurpose::KvCache, "kv"));
  EXPECT_EQ(tracker.misuse().null_records, 1u);
  EXPECT_EQ(tracker.live_count(), 0u);
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "tracker misuse: record_allocation(0x0 +4096 bytes, KvCache, label=\"kv\", device -1) "
            "refused: null pointer");
}

TEST_F(TrackerMisuseTest, ZeroBytesIsIgnored) {
  EXPECT_FALSE(tracker.record_allocation(ptr(kBase), 0, VramPurpose::Other, "z"));
  EXPECT_EQ(tracker.misuse().zero_byte_records, 1u);
  EXPECT_EQ(tracker.live_count(), 0u);
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "tracker misuse: record_allocation(0x7f0000000000 +0 bytes, Other, label=\"z\", "
            "device -1) refused: zero bytes");
}

TEST_F(TrackerMisuseTest, WrappingAndHugeRangesAreIgnored) {
  EXPECT_FALSE(tracker.record_allocation(ptr(~std::uintptr_t{0} - 10), 100, VramPurpose::Other));
  EXPECT_FALSE(tracker.record_allocation(ptr(kBase), (std::size_t{1} << 60) + 1, VramPurpose::Other));
  EXPECT_TRUE(tracker.record_allocation(ptr(0x1000), std::size_t{1} << 60, VramPurpose::Other));
  EXPECT_EQ(tracker.misuse().invalid_ranges, 2u);
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.total_usage(), std::uint64_t{1} << 60);
  ASSERT_EQ(warnings().size(), 2u);
  EXPECT_NE(warnings()[0].find("refused: the range wraps around the address space or exceeds 2^60 bytes"),
            std::string::npos);
}

TEST_F(TrackerMisuseTest, DoubleRecordReplacesTheOldRecord) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache, "old", 0));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 2048, VramPurpose::Activations, "new", 0));
  EXPECT_EQ(tracker.misuse().double_records, 1u);
  EXPECT_EQ(tracker.misuse().overlapping_records, 0u);
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.total_usage(), 2048u);
  EXPECT_EQ(tracker.usage(VramPurpose::KvCache), 0u);
  EXPECT_EQ(tracker.usage(VramPurpose::Activations), 2048u);
  EXPECT_EQ(tracker.describe(ptr(kBase))->label, "new");
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "tracker misuse: record_allocation(0x7f0000000000 +2048 bytes, Activations, "
            "label=\"new\"): the pointer is already recorded (0x7f0000000000 +4096 bytes, "
            "KvCache, label=\"old\"); the old record is replaced");
}

TEST_F(TrackerMisuseTest, PartialOverlapAtTheFrontDropsTheOldRecord) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Other, "a"));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + 4000), 4096, VramPurpose::Other, "b"));
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.total_usage(), 4096u);
  EXPECT_FALSE(tracker.find(ptr(kBase)).has_value());
  EXPECT_EQ(tracker.describe(ptr(kBase + 4000))->label, "b");
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "tracker misuse: record_allocation(0x7f0000000fa0 +4096 bytes, Other, label=\"b\") "
            "overlaps the live record 0x7f0000000000 +4096 bytes, Other, label=\"a\", which is "
            "dropped");
}

TEST_F(TrackerMisuseTest, PartialOverlapAtTheBack) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + 100000), 50000, VramPurpose::Other, "a"));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + 60000), 40001, VramPurpose::Other, "b"));
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_EQ(tracker.total_usage(), 40001u);
}

TEST_F(TrackerMisuseTest, AdjacentRangesDoNotOverlap) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::Other));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + 4096), 4096, VramPurpose::Other));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase - 1000000), 1000000, VramPurpose::Other));
  EXPECT_EQ(tracker.misuse().total(), 0u);
  EXPECT_EQ(tracker.live_count(), 3u);
}

TEST_F(TrackerMisuseTest, SmallRecordInsideALargeOneDropsTheLargeOne) {
  // E.g. a pool segment recorded, then a tensor inside it: the newest record wins.
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), std::size_t{1} << 30, VramPurpose::Workspace, "pool"));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (512 << 20)), 256, VramPurpose::Activations, "t"));
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.total_usage(), 256u);
}

TEST_F(TrackerMisuseTest, LargeRecordOverSlightlySmallerOnesIsCaughtImmediately) {
  // Records one size class smaller (8 KiB in a 1 MiB range) are found at once.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase + i * 65536), 8192, VramPurpose::Other));
  }
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 1 << 20, VramPurpose::Workspace, "big"));
  EXPECT_EQ(tracker.misuse().double_records, 1u);       // the one at kBase
  EXPECT_EQ(tracker.misuse().overlapping_records, 4u);  // the others
  EXPECT_EQ(tracker.live_count(), 1u);
  EXPECT_EQ(tracker.total_usage(), 1u << 20);
}

TEST_F(TrackerMisuseTest, DeeplyNestedRecordsAreDroppedAtOnce) {
  oracle.set_default(MemoryType::Device);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (32 << 20)), 4096, VramPurpose::KvCache, "stale"));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (1 << 30)), 4096, VramPurpose::KvCache, "outside"));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 64 << 20, VramPurpose::ModelWeights, "weights"));
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_EQ(tracker.live_count(), 2u);
  EXPECT_EQ(tracker.total_usage(), (std::uint64_t{64} << 20) + 4096);
  EXPECT_EQ(tracker.find(ptr(kBase + (32 << 20)))->bytes, std::size_t{64} << 20);
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "tracker misuse: record_allocation(0x7f0000000000 +67108864 bytes, ModelWeights, "
            "label=\"weights\") overlaps the live record 0x7f0002000000 +4096 bytes, KvCache, "
            "label=\"stale\", which is dropped");
  EXPECT_TRUE(tracker.verify_vram_residency().resident());
}

TEST_F(TrackerMisuseTest, DeeplyNestedEndsAreCaughtImmediately) {
  // A tiny record straddling the end of a large new range is found at once.
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (64 << 20) - 100), 4096, VramPurpose::Other, "s"));
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 64 << 20, VramPurpose::Other, "big"));
  EXPECT_EQ(tracker.misuse().overlapping_records, 1u);
  EXPECT_EQ(tracker.live_count(), 1u);
}

TEST_F(TrackerMisuseTest, UnknownDeallocation) {
  EXPECT_FALSE(tracker.record_deallocation(ptr(kBase)));
  EXPECT_EQ(tracker.misuse().unknown_deallocations, 1u);
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "tracker misuse: record_deallocation(0x7f0000000000) ignored: not the base address "
            "of a live tracked allocation");
}

TEST_F(TrackerMisuseTest, InteriorDeallocationNamesTheAllocation) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache, "kv"));
  EXPECT_FALSE(tracker.record_deallocation(ptr(kBase + 16)));
  EXPECT_EQ(tracker.misuse().unknown_deallocations, 1u);
  EXPECT_EQ(tracker.live_count(), 1u);
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "tracker misuse: record_deallocation(0x7f0000000010) ignored: not the base address "
            "of a live tracked allocation (it lies inside 0x7f0000000000 +4096 bytes, KvCache, "
            "label=\"kv\")");
}

TEST_F(TrackerMisuseTest, DoubleDeallocation) {
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::KvCache));
  EXPECT_TRUE(tracker.record_deallocation(ptr(kBase)));
  EXPECT_FALSE(tracker.record_deallocation(ptr(kBase)));
  EXPECT_EQ(tracker.misuse().unknown_deallocations, 1u);
  EXPECT_EQ(tracker.total_usage(), 0u);
}

TEST_F(TrackerMisuseTest, NullDeallocationIsANoOp) {
  EXPECT_FALSE(tracker.record_deallocation(nullptr));
  EXPECT_EQ(tracker.misuse().total(), 0u);
  EXPECT_TRUE(log.lines().empty());
}

TEST_F(TrackerMisuseTest, LabelsAreQuotedAndEscapedInReports) {
  EXPECT_FALSE(tracker.record_allocation(nullptr, 1, VramPurpose::Other, "a\"b\\c\nd"));
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_NE(warnings()[0].find("label=\"a\\\"b\\\\c\\x0ad\""), std::string::npos) << warnings()[0];
}

TEST(TrackerMisuseDefaultSink, ThrowingSinkDoesNotBreakTheTracker) {
  testing::FakeOracle oracle;
  TrackerOptions options;
  options.oracle = &oracle;
  options.sink = [](LogLevel, std::string_view) { throw std::runtime_error("sink down"); };
  VramTracker tracker(options);
  EXPECT_FALSE(tracker.record_allocation(nullptr, 1, VramPurpose::Other));
  EXPECT_EQ(tracker.misuse().null_records, 1u);
}

}  // namespace
}  // namespace vram_only
