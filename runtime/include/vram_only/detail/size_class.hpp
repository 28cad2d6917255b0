// Size classes ("levels") of the tracker's range index.
//
// An allocation of s bytes lives at the smallest level k whose granule
// 2^(12 + 6k) is >= s, indexed by the granule that holds its base address.
// It therefore touches at most two granules of its level, and a lookup of
// an address p probes granule(p) and granule(p) - 1 of each non-empty level.
//   level 0: <= 4 KiB, 1: <= 256 KiB, 2: <= 16 MiB, 3: <= 1 GiB,
//   4: <= 64 GiB, 5: <= 4 TiB, 6: <= 256 TiB, 7: <= 16 PiB, 8: <= 1 EiB.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vram_only::detail {

inline constexpr unsigned kLevelCount = 9;
inline constexpr std::uint64_t kMaxTrackedBytes = std::uint64_t{1} << 60;

constexpr unsigned level_shift(unsigned level) noexcept { return 12 + 6 * level; }

// bytes in [1, kMaxTrackedBytes].
constexpr unsigned level_for(std::uint64_t bytes) noexcept {
  if (bytes <= 4096) {
    return 0;
  }
  const unsigned bits = 64 - static_cast<unsigned>(__builtin_clzll(bytes - 1));  // ceil(log2)
  return (bits - 12 + 5) / 6;
}

constexpr std::uint64_t granule_of(std::uint64_t address, unsigned level) noexcept {
  return address >> level_shift(level);
}

// Index key: (level + 1) in the top bits, the granule below; never 0.
constexpr std::uint64_t make_key(unsigned level, std::uint64_t granule) noexcept {
  return (std::uint64_t{level} + 1) << 58 | granule;
}

constexpr unsigned level_of_key(std::uint64_t key) noexcept {
  return static_cast<unsigned>(key >> 58) - 1;
}

// The slot hash of a key. Tables take the home slot from its top bits only,
// so this is splitmix64's finaliser without the steps that cannot reach the
// top bits (the first and last xor-shift): two multiplies and a fold, as
// good as the full finaliser for the top bits and four instructions shorter
// on every probe. (A single multiply is not enough: some regular strides
// then cluster in the tables' linear probing, and one by the golden ratio
// would correlate with the shard choice.) Shards use a separate
// multiplicative hash of the granule group.
constexpr std::uint64_t hash_key(std::uint64_t key) noexcept {
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  return key;
}

}  // namespace vram_only::detail
