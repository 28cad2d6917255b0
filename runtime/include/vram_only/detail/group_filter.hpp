// A sticky presence filter over the tracker's index: for each size class,
// one bit per hashed group of granules, set before the first record lands
// in that group and never cleared. A lookup skips every size class whose
// bit for the address is clear -- the usual case for the size classes an
// address does not belong to -- without touching a shard.
//
// The tracker keeps a second one keyed by single granules: the granules
// whose records ever crossed their end into the next granule. A lookup or
// an overlap check probes granule g - 1 only when its bit is set.
//
// Bits are only ever set (read first, fetch_or only when clear), so in the
// steady state the filter is read-only and shared by all cores. A set bit
// can be stale (the group emptied since); that costs a probe, never a
// wrong answer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "vram_only/detail/size_class.hpp"

namespace vram_only::detail {

class GroupFilter {
 public:
  GroupFilter() : words_(new std::atomic<std::uint64_t>[kLevelCount * kWordsPerLevel]()) {}

  // Relaxed: a bit only decides whether to probe a shard, and the probe
  // synchronises through the shard's own sequence lock. A reader that
  // happens after a record (through whatever ordered the two) sees its bit,
  // since the bit is set before record_allocation returns.
  bool maybe(unsigned level, std::uint64_t group) const noexcept {
    const std::size_t bit = index(level, group);
    return (words_[bit >> 6].load(std::memory_order_relaxed) >> (bit & 63) & 1) != 0;
  }

  void mark(unsigned level, std::uint64_t group) noexcept {
    const std::size_t bit = index(level, group);
    std::atomic<std::uint64_t>& word = words_[bit >> 6];
    const std::uint64_t mask = std::uint64_t{1} << (bit & 63);
    if ((word.load(std::memory_order_relaxed) & mask) == 0) {
      word.fetch_or(mask, std::memory_order_acq_rel);
    }
  }

 private:
  static constexpr unsigned kBitsPerLevel = 16;  // 8 KiB per size class
  static constexpr std::size_t kWordsPerLevel = (std::size_t{1} << kBitsPerLevel) / 64;

  static std::size_t index(unsigned level, std::uint64_t group) noexcept {
    const std::uint64_t h = (group + 1) * 0xc2b2ae3d27d4eb4fULL;  // odd multiplier
    return static_cast<std::size_t>(level) << kBitsPerLevel |
           static_cast<std::size_t>(h >> (64 - kBitsPerLevel));
  }

  const std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
};

}  // namespace vram_only::detail
