// The order in which a sweep asks the driver about its records: ascending
// address.
//
// The CUDA driver resolves a pointer through its own range structures;
// asking about neighbouring addresses one after another keeps those in cache
// (on an H200 a bare loop of queries over cudaMalloc'ed pointers in
// allocation order ran about twice as fast as a sweep asking in the
// tracker's hash order). The tracker stores records in hash order, so a
// sweep sorts its snapshot first.
//
// sort_by_address() is an LSD radix sort over only the key bits that differ
// between items: the device allocations of one process share their high
// bits and usually their low alignment bits, so 1k-100k records take one or
// two passes. With one pass the items move straight to their place; with
// more, packed 8-byte words (key bits above, item index below) are sorted
// and the last pass moves the items. Each pass also counts the digits of
// the next one. Keys too spread out to pack next to an index fall back to
// std::stable_sort. Stable.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vram_only::detail {

inline unsigned bit_width(std::uint64_t x) noexcept {
  return x == 0 ? 0u : 64u - static_cast<unsigned>(__builtin_clzll(x));
}

// Writes items[0 .. n) to out[0 .. n) in ascending order of key(item).
// out must not overlap items. `scratch` is working memory for more than one
// pass (grown to 2n words when needed, kept for the next call); may throw
// std::bad_alloc.
template <class Item, class Key>
void sort_by_address(const Item* items, std::size_t n, Key&& key, Item* out,
                     std::vector<std::uint64_t>& scratch) {
  if (n == 0) {
    return;
  }
  const std::uint64_t first = key(items[0]);
  std::uint64_t lo = first;
  std::uint64_t hi = first;
  std::uint64_t differ = 0;  // bits in which some key differs from the first
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint64_t k = key(items[i]);
    lo = k < lo ? k : lo;
    hi = k > hi ? k : hi;
    differ |= k ^ first;
  }
  // Keys agree on their bits below `shift`: (key - lo) >> shift loses nothing.
  const unsigned shift = differ == 0 ? 0u : static_cast<unsigned>(__builtin_ctzll(differ));
  const unsigned key_bits = bit_width((hi - lo) >> shift);
  if (key_bits == 0) {  // one key (or one item)
    std::copy(items, items + n, out);
    return;
  }
  const unsigned index_bits = bit_width(n - 1);
  if (key_bits + index_bits > 64 || n >= (std::size_t{1} << 32)) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) {
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      return key(items[x]) < key(items[y]);
    });
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = items[order[i]];
    }
    return;
  }
  // Digits of at most 11 bits (an 8 KiB count table), fewer for few items.
  const unsigned max_digit = std::min(11u, std::max(4u, bit_width(n)));
  const unsigned passes = (key_bits + max_digit - 1) / max_digit;
  const unsigned digit = (key_bits + passes - 1) / passes;
  const std::size_t buckets = std::size_t{1} << digit;
  const std::uint64_t digit_mask = buckets - 1;
  std::vector<std::uint32_t> counts(2 * buckets);  // this pass's and the next one's
  std::uint32_t* count = counts.data();
  std::uint32_t* next = count + buckets;
  const auto prefix = [buckets](std::uint32_t* c) {
    std::uint32_t sum = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::uint32_t here = c[b];
      c[b] = sum;
      sum += here;
    }
  };
  if (passes == 1) {
    for (std::size_t i = 0; i < n; ++i) {
      ++count[((key(items[i]) - lo) >> shift) & digit_mask];
    }
    prefix(count);
    for (std::size_t i = 0; i < n; ++i) {
      out[count[((key(items[i]) - lo) >> shift) & digit_mask]++] = items[i];
    }
    return;
  }
  if (scratch.size() < 2 * n) {
    scratch.resize(2 * n);
  }
  std::uint64_t* from = scratch.data();
  std::uint64_t* to = from + n;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t w = ((key(items[i]) - lo) >> shift) << index_bits | i;
    from[i] = w;
    ++count[(w >> index_bits) & digit_mask];
  }
  const std::uint64_t index_mask = (std::uint64_t{1} << index_bits) - 1;
  for (unsigned p = 0; p < passes; ++p) {
    const unsigned at = index_bits + p * digit;
    prefix(count);
    if (p + 1 == passes) {  // the last pass moves the items themselves
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t w = from[i];
        out[count[(w >> at) & digit_mask]++] = items[w & index_mask];
      }
      return;
    }
    std::fill(next, next + buckets, 0u);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t w = from[i];
      to[count[(w >> at) & digit_mask]++] = w;
      ++next[(w >> (at + digit)) & digit_mask];
    }
    std::swap(count, next);
    std::swap(from, to);
  }
}

}  // namespace vram_only::detail
