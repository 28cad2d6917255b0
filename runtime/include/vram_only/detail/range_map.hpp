// RangeMap<Entry>: non-overlapping address ranges [base, base + bytes),
// sorted by base, in blocks of at most kBlock entries, plus the first base
// of every block in one short array (a two-level sorted array).
//
// find(a), the range containing a, is two binary searches over contiguous
// memory (the block firsts, then one block), branch-free (a mispredicted
// branch per step would cost more than the memory accesses); insert and
// erase locate the same way and move at most kBlock entries. Blocks split when full and
// merge with a neighbour when two of them fit in half a block, so there are
// at most about 4 * size() / kBlock + 1 blocks.
//
// Entry: trivially copyable, with std::uint64_t members `base` and `bytes`
// (bytes >= 1, base + bytes - 1 does not wrap). The caller keeps ranges
// disjoint (erase_overlapping before insert). Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace vram_only::detail {

template <class Entry>
class RangeMap {
  static_assert(std::is_trivially_copyable<Entry>::value, "entries are moved with memmove");

 public:
  static constexpr std::size_t kBlock = 64;

  std::size_t size() const noexcept { return size_; }

  // The entry whose range contains a, or null.
  const Entry* find(std::uint64_t a) const noexcept {
    const std::size_t b = blocks_starting_at_or_below(a);
    if (b == 0) {
      return nullptr;
    }
    const Block& block = blocks_[b - 1];
    // block.front().base <= a, so at least one entry is not above a.
    const Entry& e = block[count_if_sorted(block.data(), block.size(), [a](const Entry& x) {
                             return x.base <= a;
                           }) - 1];
    return a - e.base < e.bytes ? &e : nullptr;
  }

  // The entry based exactly at base, or null.
  Entry* find_base(std::uint64_t base) noexcept {
    const Pos p = first_at_or_after(base);
    return valid(p) && at(p).base == base ? &at(p) : nullptr;
  }

  // Inserts e (whose range must not overlap any entry).
  void insert(const Entry& e) {
    ++size_;
    if (blocks_.empty()) {
      blocks_.emplace_back(1, e);
      firsts_.push_back(e.base);
      return;
    }
    const std::size_t b = std::max<std::size_t>(blocks_starting_at_or_below(e.base), 1) - 1;
    Block& block = blocks_[b];
    block.insert(block.begin() + static_cast<std::ptrdiff_t>(count_if_sorted(
                                     block.data(), block.size(),
                                     [&e](const Entry& x) { return x.base <= e.base; })),
                 e);
    firsts_[b] = block.front().base;
    if (block.size() > kBlock) {  // split in halves
      Block upper(block.begin() + kBlock / 2, block.end());
      block.resize(kBlock / 2);
      firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(b) + 1, upper.front().base);
      blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
    }
  }

  // Removes the entry based exactly at base into *removed; false if none.
  bool erase(std::uint64_t base, Entry* removed) {
    const Pos p = first_at_or_after(base);
    if (!valid(p) || at(p).base != base) {
      return false;
    }
    *removed = at(p);
    erase_at(p);
    return true;
  }

  // Removes every entry that intersects [a, last], calling on_erase(entry)
  // for each before it goes. Entries are disjoint, so these are the entry
  // before a's position (if it reaches a) and those based in [a, last].
  template <class F>
  void erase_overlapping(std::uint64_t a, std::uint64_t last, F&& on_erase) {
    for (;;) {
      const Pos p = first_at_or_after(a);
      Pos victim = p;
      if (p.index > 0 || p.block > 0) {
        const Pos before = p.index > 0 ? Pos{p.block, p.index - 1}
                                       : Pos{p.block - 1, blocks_[p.block - 1].size() - 1};
        if (at(before).base + (at(before).bytes - 1) >= a) {
          victim = before;
        }
      }
      if (!valid(victim) || at(victim).base > last) {
        return;
      }
      on_erase(static_cast<const Entry&>(at(victim)));
      erase_at(victim);
    }
  }

  // Calls f(entry) for at most `max` entries based at `from` or above, in
  // address order; returns how many it visited.
  template <class F>
  std::size_t visit_from(std::uint64_t from, std::size_t max, F&& f) const {
    Pos p = first_at_or_after(from);
    std::size_t visited = 0;
    while (visited < max && valid(p)) {
      f(at(p));
      ++visited;
      if (++p.index == blocks_[p.block].size()) {
        p = Pos{p.block + 1, 0};
      }
    }
    return visited;
  }

 private:
  using Block = std::vector<Entry>;
  struct Pos {
    std::size_t block;
    std::size_t index;
  };

  // How many of the n sorted items satisfy pred, which holds for a prefix
  // of them. Branch-free: the loop runs log2(n) times whatever the data.
  template <class T, class Pred>
  static std::size_t count_if_sorted(const T* items, std::size_t n, Pred pred) noexcept {
    if (n == 0) {
      return 0;
    }
    const T* base = items;
    while (n > 1) {
      const std::size_t half = n / 2;
      base = pred(base[half]) ? base + half : base;
      n -= half;
    }
    return static_cast<std::size_t>(base - items) + (pred(*base) ? 1 : 0);
  }

  // How many blocks start at or below a.
  std::size_t blocks_starting_at_or_below(std::uint64_t a) const noexcept {
    return count_if_sorted(firsts_.data(), firsts_.size(),
                           [a](std::uint64_t first) { return first <= a; });
  }

  // The position of the first entry based at or above a (may be the end).
  Pos first_at_or_after(std::uint64_t a) const noexcept {
    const std::size_t b = blocks_starting_at_or_below(a);
    if (b == 0) {
      return Pos{0, 0};
    }
    const Block& block = blocks_[b - 1];
    const std::size_t i =
        count_if_sorted(block.data(), block.size(), [a](const Entry& x) { return x.base < a; });
    return i < block.size() ? Pos{b - 1, i} : Pos{b, 0};
  }

  bool valid(const Pos& p) const noexcept { return p.block < blocks_.size(); }
  Entry& at(const Pos& p) noexcept { return blocks_[p.block][p.index]; }
  const Entry& at(const Pos& p) const noexcept { return blocks_[p.block][p.index]; }

  void erase_at(const Pos& p) {
    --size_;
    Block& block = blocks_[p.block];
    block.erase(block.begin() + static_cast<std::ptrdiff_t>(p.index));
    if (block.empty()) {
      remove_block(p.block);
      return;
    }
    firsts_[p.block] = block.front().base;
    if (p.block > 0 && merge_if_small(p.block - 1)) {
      return;
    }
    merge_if_small(p.block);
  }

  // Appends block b + 1 to block b if both fit in half a block.
  bool merge_if_small(std::size_t b) {
    if (b + 1 >= blocks_.size() || blocks_[b].size() + blocks_[b + 1].size() > kBlock / 2) {
      return false;
    }
    blocks_[b].insert(blocks_[b].end(), blocks_[b + 1].begin(), blocks_[b + 1].end());
    remove_block(b + 1);
    return true;
  }

  void remove_block(std::size_t b) {
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b));
    firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(b));
  }

  std::vector<std::uint64_t> firsts_;  // firsts_[b] == blocks_[b].front().base
  std::vector<Block> blocks_;          // none empty; all bases of block b < firsts_[b + 1]
  std::size_t size_ = 0;
};

}  // namespace vram_only::detail
