// One shard of VramTracker's index: an open-addressing hash table (linear
// probing, backward-shift deletion) under a sequence lock.
//
// Writers take the shard's lock (the sequence word: odd while a writer is
// inside). Readers never write: they read the sequence word, scan the table
// with atomic loads, and retry if the word changed meanwhile. Every field a
// reader touches is an atomic; data stores are release and data loads are
// acquire, so a reader that observes any store of an unfinished write also
// observes the odd sequence number and retries (no fences needed, clean
// under ThreadSanitizer). Labels are plain strings touched only under the
// lock.
//
// Tables grow (doubling at load factor 1/2) and never shrink. A replaced
// table is kept until the shard is destroyed because a reader may still be
// scanning it; the retired tables together are smaller than the current one.
//
// Several entries may share a key (allocations whose bases fall in the same
// granule of the same level); a lookup scans them all.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vram_only/detail/record_meta.hpp"
#include "vram_only/detail/size_class.hpp"
#include "vram_only/detail/spin.hpp"
#include "vram_only/vram_purpose.hpp"

namespace vram_only::detail {

// A record as readers see it.
struct Entry {
  std::uint64_t key = 0;
  std::uint64_t base = 0;
  std::uint64_t bytes = 0;
  std::uint64_t meta = 0;
};

// Devices whose usage is kept in per-shard counters: -1 (unknown) .. 63.
inline constexpr int kCountedDevices = 64;

class alignas(64) TrackerShard {
 public:
  static constexpr std::size_t npos = ~std::size_t{0};

  TrackerShard() = default;
  TrackerShard(const TrackerShard&) = delete;
  TrackerShard& operator=(const TrackerShard&) = delete;

  // ---- Optimistic readers (no lock, never write shared memory) ----------

  // Finds an entry with `key` for which pred(entry) is true. Consistent
  // with some moment at which no writer was inside the shard.
  template <class Pred>
  bool find(std::uint64_t key, std::uint64_t hash, Pred&& pred, Entry* out) const noexcept {
    Backoff backoff;
    for (;;) {
      const std::uint64_t before = seq_.load(std::memory_order_acquire);
      if ((before & 1) != 0) {
        backoff.pause();
        continue;
      }
      bool found = false;
      Entry entry;
      if (const Table* table = table_.load(std::memory_order_acquire); table != nullptr) {
        std::size_t i = hash & table->mask;
        for (std::size_t n = 0; n <= table->mask; ++n, i = (i + 1) & table->mask) {
          const Slot& slot = table->slots[i];
          const std::uint64_t k = slot.key.load(std::memory_order_acquire);
          if (k == 0) {
            break;
          }
          if (k != key) {
            continue;
          }
          entry.key = k;
          entry.base = slot.base.load(std::memory_order_acquire);
          entry.bytes = slot.bytes.load(std::memory_order_acquire);
          entry.meta = slot.meta.load(std::memory_order_acquire);
          if (pred(entry)) {
            found = true;
            break;
          }
        }
      }
      if (seq_.load(std::memory_order_relaxed) == before) {
        if (found) {
          *out = entry;
        }
        return found;
      }
      backoff.pause();
    }
  }

  // Counters: written under the lock, readable by anyone at any time.
  std::uint64_t live() const noexcept { return live_.load(std::memory_order_relaxed); }
  std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t purpose_bytes(VramPurpose p) const noexcept {
    return purpose_bytes_[index_of(p)].load(std::memory_order_relaxed);
  }
  // device in [-1, kCountedDevices).
  std::uint64_t device_bytes(int device) const noexcept {
    return device_bytes_[device + 1].load(std::memory_order_relaxed);
  }

  // ---- Writers ----------------------------------------------------------

  void lock() noexcept {
    Backoff backoff;
    for (;;) {
      std::uint64_t s = seq_.load(std::memory_order_relaxed);
      if ((s & 1) == 0 &&
          seq_.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
        return;
      }
      backoff.pause();
    }
  }

  void unlock() noexcept {
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // The following require the lock.

  // Index of an entry with `key` for which pred(entry) is true, or npos.
  template <class Pred>
  std::size_t find_locked(std::uint64_t key, std::uint64_t hash, Pred&& pred) const noexcept {
    const Table* table = current_.get();
    if (table == nullptr) {
      return npos;
    }
    std::size_t i = hash & table->mask;
    for (std::size_t n = 0; n <= table->mask; ++n, i = (i + 1) & table->mask) {
      const std::uint64_t k = table->slots[i].key.load(std::memory_order_relaxed);
      if (k == 0) {
        return npos;
      }
      if (k == key && pred(entry_at(i))) {
        return i;
      }
    }
    return npos;
  }

  Entry entry_at(std::size_t i) const noexcept {
    const Slot& slot = current_->slots[i];
    return Entry{slot.key.load(std::memory_order_relaxed),
                 slot.base.load(std::memory_order_relaxed),
                 slot.bytes.load(std::memory_order_relaxed),
                 slot.meta.load(std::memory_order_relaxed)};
  }

  const std::string& label_at(std::size_t i) const noexcept { return current_->labels[i]; }

  // Visits every entry: visit(index, entry).
  template <class Visit>
  void for_each_locked(Visit&& visit) const {
    const Table* table = current_.get();
    if (table == nullptr) {
      return;
    }
    for (std::size_t i = 0; i <= table->mask; ++i) {
      if (table->slots[i].key.load(std::memory_order_relaxed) != 0) {
        visit(i, entry_at(i));
      }
    }
  }

  // A new, unique (per shard) sequence number, starting at 1.
  std::uint64_t next_seq() noexcept {
    if (next_seq_ == kMaxSeq) {
      next_seq_ = 0;  // after 2^38 records in one shard; ids stay unique among live records
    }
    return ++next_seq_;
  }

  // Makes room for one more entry. May throw std::bad_alloc (nothing changed then).
  void reserve_one_locked() {
    const std::size_t capacity = current_ ? current_->mask + 1 : 0;
    if ((size_ + 1) * 2 <= capacity) {
      return;
    }
    const std::size_t new_capacity = capacity == 0 ? kInitialCapacity : capacity * 2;
    auto grown = std::make_unique<Table>(new_capacity);
    retired_.reserve(retired_.size() + 1);
    if (current_) {
      for (std::size_t i = 0; i < capacity; ++i) {
        Slot& from = current_->slots[i];
        const std::uint64_t k = from.key.load(std::memory_order_relaxed);
        if (k == 0) {
          continue;
        }
        std::size_t j = hash_key(k) & grown->mask;
        while (grown->slots[j].key.load(std::memory_order_relaxed) != 0) {
          j = (j + 1) & grown->mask;
        }
        copy_slot(from, grown->slots[j]);
        grown->labels[j] = std::move(current_->labels[i]);
      }
      retired_.push_back(std::move(current_));
    }
    current_ = std::move(grown);
    table_.store(current_.get(), std::memory_order_release);
  }

  // Inserts an entry; reserve_one_locked() must have been called.
  void insert_locked(const Entry& e, std::uint64_t hash, std::string&& label) noexcept {
    Table& table = *current_;
    std::size_t i = hash & table.mask;
    while (table.slots[i].key.load(std::memory_order_relaxed) != 0) {
      i = (i + 1) & table.mask;
    }
    Slot& slot = table.slots[i];
    slot.base.store(e.base, std::memory_order_release);
    slot.bytes.store(e.bytes, std::memory_order_release);
    slot.meta.store(e.meta, std::memory_order_release);
    slot.key.store(e.key, std::memory_order_release);
    table.labels[i] = std::move(label);
    ++size_;
    account(e, +1);
  }

  // Removes the entry at index i (backward-shift deletion).
  void erase_locked(std::size_t i) noexcept {
    Table& table = *current_;
    account(entry_at(i), -1);
    std::size_t hole = i;
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & table.mask;
      const std::uint64_t k = table.slots[j].key.load(std::memory_order_relaxed);
      if (k == 0) {
        break;
      }
      const std::size_t home = hash_key(k) & table.mask;
      // The entry at j may move into the hole unless its home lies
      // cyclically in (hole, j].
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        copy_slot(table.slots[j], table.slots[hole]);
        table.labels[hole] = std::move(table.labels[j]);
        hole = j;
      }
    }
    table.slots[hole].key.store(0, std::memory_order_release);
    table.labels[hole].clear();
    --size_;
  }

  // Replaces the meta word of the entry at index i (same sequence number).
  void set_meta_locked(std::size_t i, std::uint64_t meta) noexcept {
    current_->slots[i].meta.store(meta, std::memory_order_release);
  }

  // Writer-only bookkeeping for peak sampling.
  unsigned& ops_since_peak_sample() noexcept { return ops_since_peak_sample_; }

 private:
  struct Slot {
    std::atomic<std::uint64_t> key{0};
    std::atomic<std::uint64_t> base{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> meta{0};
  };

  struct Table {
    explicit Table(std::size_t capacity)
        : mask(capacity - 1),
          slots(new Slot[capacity]),
          labels(new std::string[capacity]) {}
    const std::size_t mask;
    const std::unique_ptr<Slot[]> slots;
    const std::unique_ptr<std::string[]> labels;
  };

  static constexpr std::size_t kInitialCapacity = 8;

  static void copy_slot(const Slot& from, Slot& to) noexcept {
    to.base.store(from.base.load(std::memory_order_relaxed), std::memory_order_release);
    to.bytes.store(from.bytes.load(std::memory_order_relaxed), std::memory_order_release);
    to.meta.store(from.meta.load(std::memory_order_relaxed), std::memory_order_release);
    to.key.store(from.key.load(std::memory_order_relaxed), std::memory_order_release);
  }

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t delta) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  void account(const Entry& e, int sign) noexcept {
    const std::uint64_t delta = sign > 0 ? e.bytes : std::uint64_t{0} - e.bytes;
    const std::uint64_t one = sign > 0 ? 1 : ~std::uint64_t{0};
    add(live_, one);
    add(bytes_, delta);
    add(purpose_bytes_[index_of(meta_purpose(e.meta))], delta);
    const int device = meta_device(e.meta);
    if (device < kCountedDevices) {
      add(device_bytes_[device + 1], delta);
    }
  }

  std::atomic<std::uint64_t> seq_{0};
  std::atomic<const Table*> table_{nullptr};
  std::atomic<std::uint64_t> live_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::size_t size_ = 0;
  std::uint64_t next_seq_ = 0;
  unsigned ops_since_peak_sample_ = 0;
  std::atomic<std::uint64_t> purpose_bytes_[kVramPurposeCount]{};
  std::atomic<std::uint64_t> device_bytes_[kCountedDevices + 1]{};
  std::unique_ptr<Table> current_;
  std::vector<std::unique_ptr<Table>> retired_;
};

}  // namespace vram_only::detail
