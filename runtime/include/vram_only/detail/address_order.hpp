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
// std::stable_sort. Stable. The caller gathers the keys' span (KeySpan)
// while producing the items, and keeps the scratch memory between sorts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vram_only::detail {

inline unsigned bit_width(std::uint64_t x) noexcept {
  return x == 0 ? 0u : 64u - static_cast<unsigned>(__builtin_clzll(x));
}

// Which bits vary among a set of keys, gathered while the items are
// produced (two instructions a key; no extra pass to find it).
struct KeySpan {
  std::uint64_t any = 0;              // OR of the keys
  std::uint64_t all = ~std::uint64_t{0};  // AND of the keys

  void add(std::uint64_t key) noexcept {
    any |= key;
    all &= key;
  }
  void add(const KeySpan& other) noexcept {
    any |= other.any;
    all &= other.all;
  }
  // Bits that are 1 in some key and 0 in another.
  std::uint64_t differ() const noexcept { return any ^ all; }
};

// Working memory of sort_by_address, kept between calls.
struct SortScratch {
  std::vector<std::uint64_t> words;
  std::vector<std::uint32_t> counts;
};

// Writes items[0 .. n) to out[0 .. n) in ascending order of key(item).
// `span` must hold exactly the keys of the n items. out must not overlap
// items. May throw std::bad_alloc (growing the scratch memory).
template <class Item, class Key>
void sort_by_address(const Item* items, std::size_t n, const KeySpan& span, Key&& key, Item* out,
                     SortScratch& scratch) {
  if (n == 0) {
    return;
  }
  // Keys agree on every bit outside [shift, shift + key_bits): comparing
  // those bits compares the keys.
  const std::uint64_t differ = span.differ();
  if (differ == 0) {  // one key (or one item)
    std::copy(items, items + n, out);
    return;
  }
  const unsigned shift = static_cast<unsigned>(__builtin_ctzll(differ));
  const unsigned key_bits = bit_width(differ) - shift;
  const std::uint64_t key_mask = key_bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << key_bits) - 1;
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
  // Digits of up to about twice as many buckets as items (a count table
  // costs about what a pass over the items does) and at most 14 bits (a
  // 64 KiB table, in L2): one pass up to ~10k items of a 40 MB range.
  const unsigned max_digit = std::min(14u, std::max(4u, bit_width(n) + 1));
  const unsigned passes = (key_bits + max_digit - 1) / max_digit;
  const unsigned digit = (key_bits + passes - 1) / passes;
  const std::size_t buckets = std::size_t{1} << digit;
  const std::uint64_t digit_mask = buckets - 1;
  const std::size_t tables = passes == 1 ? 1 : 2;  // this pass's counts and the next one's
  if (scratch.counts.size() < tables * buckets) {
    scratch.counts.resize(tables * buckets);
  }
  std::uint32_t* count = scratch.counts.data();
  std::uint32_t* next = count + buckets;
  std::fill(count, count + buckets, 0u);
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
      ++count[(key(items[i]) >> shift) & digit_mask];
    }
    prefix(count);
    for (std::size_t i = 0; i < n; ++i) {
      out[count[(key(items[i]) >> shift) & digit_mask]++] = items[i];
    }
    return;
  }
  if (scratch.words.size() < 2 * n) {
    scratch.words.resize(2 * n);
  }
  std::uint64_t* from = scratch.words.data();
  std::uint64_t* to = from + n;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t w = ((key(items[i]) >> shift) & key_mask) << index_bits | i;
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

// The same, finding the span itself.
template <class Item, class Key>
void sort_by_address(const Item* items, std::size_t n, Key&& key, Item* out, SortScratch& scratch) {
  KeySpan span;
  for (std::size_t i = 0; i < n; ++i) {
    span.add(key(items[i]));
  }
  sort_by_address(items, n, span, key, out, scratch);
}

}  // namespace vram_only::detail
