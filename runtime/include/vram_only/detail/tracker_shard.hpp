// One shard of VramTracker's index: an open-addressing hash table (linear
// probing, backward-shift deletion) under a sequence lock.
//
// Writers take the shard's lock (the sequence word: odd while a writer is
// inside). Readers never write: they read the sequence word, scan the table
// with atomic loads, and retry if the word changed meanwhile. Every field a
// reader touches is an atomic; data stores are release and data loads are
// acquire, so a reader that observes any store of an unfinished write also
// observes the odd sequence number and retries (no fences needed, clean
// under ThreadSanitizer).
//
// Cache lines, because they decide the cost: the shard's first line holds
// the lock, the table word (slots pointer | log2 capacity, so a reader
// reaches its slot without another pointer chase), the live count and the
// per-purpose byte counters -- everything an operation writes besides the
// slot itself. Per-device counters (devices 0..7) are the second line.
// Labels live in a side array reached through the table's header, touched
// only under the lock and only for records that have a label.
//
// Tables grow (doubling at load factor 1/2: unsuccessful probes, which
// every record makes for its neighbouring granule, stay short) and never
// shrink. A replaced table is kept until the shard is destroyed because a
// reader may still be scanning it; the retired tables together are smaller
// than the current one.
//
// Several entries may share a key (allocations whose bases fall in the same
// granule of the same size class); a lookup scans them all.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "vram_only/detail/branch_hints.hpp"
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

// Devices whose usage is kept in per-shard counters: 0 .. 7 (one cache
// line). Usage of other ordinals (and of -1, unknown) is computed by a scan.
inline constexpr int kCountedDevices = 8;

class alignas(64) TrackerShard {
  struct Slot {
    std::atomic<std::uint64_t> key{0};  // 0: empty
    std::atomic<std::uint64_t> base{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> meta{0};
  };

  // One allocation: a 64-byte header (writer-only) followed by the slots.
  struct Header {
    std::unique_ptr<std::string>* labels;  // one per slot; null = no label
  };
  static constexpr std::size_t kHeaderBytes = 64;

 public:
  // A table as decoded from the table word: slots and capacity.
  struct View {
    Slot* slots;
    std::size_t mask;
    unsigned log2_capacity;
    // The home slot of a key hash: its top bits.
    std::size_t home(std::uint64_t hash) const noexcept {
      return static_cast<std::size_t>(hash >> (64 - log2_capacity));
    }
  };

  static constexpr std::size_t npos = ~std::size_t{0};

  TrackerShard() = default;
  TrackerShard(const TrackerShard&) = delete;
  TrackerShard& operator=(const TrackerShard&) = delete;

  ~TrackerShard() {
    release_table(table_word_.load(std::memory_order_relaxed));
    for (const std::uintptr_t word : retired_) {
      release_table(word);
    }
  }

  // ---- Optimistic readers (no lock, never write shared memory) ----------

  // Runs body(view) until it ran while no writer was inside the shard and
  // returns its result. body may only read the table through scan() and
  // must tolerate being run more than once (its outputs are overwritten).
  template <class Body>
  bool read(Body&& body) const noexcept {
    // The first attempt inline (the usual case: no writer inside); retries
    // back off.
    const std::uint64_t before = seq_.load(std::memory_order_acquire);
    if (VRAM_ONLY_LIKELY((before & 1) == 0)) {
      const std::uintptr_t word = table_word_.load(std::memory_order_acquire);
      const bool result = word != 0 && body(decode(word));
      if (VRAM_ONLY_LIKELY(seq_.load(std::memory_order_relaxed) == before)) {
        return result;
      }
    }
    Backoff backoff;
    for (;;) {
      backoff.pause();
      const std::uint64_t again = seq_.load(std::memory_order_acquire);
      if ((again & 1) == 0) {
        const std::uintptr_t word = table_word_.load(std::memory_order_acquire);
        const bool result = word != 0 && body(decode(word));
        if (seq_.load(std::memory_order_relaxed) == again) {
          return result;
        }
      }
    }
  }

  // Inside read(): the first entry with `key` (slot hash `hash`) for which
  // pred(entry) holds, copied to *out.
  template <class Pred>
  static bool scan(const View& table, std::uint64_t key, std::uint64_t hash, Pred&& pred,
                   Entry* out) noexcept {
    std::size_t i = table.home(hash);
    for (std::size_t n = 0; n <= table.mask; ++n, i = (i + 1) & table.mask) {
      const Slot& slot = table.slots[i];
      const std::uint64_t k = slot.key.load(std::memory_order_acquire);
      if (k == 0) {
        return false;
      }
      if (k != key) {
        continue;
      }
      Entry e;
      e.key = k;
      e.base = slot.base.load(std::memory_order_acquire);
      e.bytes = slot.bytes.load(std::memory_order_acquire);
      e.meta = slot.meta.load(std::memory_order_acquire);
      if (pred(e)) {
        *out = e;
        return true;
      }
    }
    return false;
  }

  template <class Pred>
  bool find(std::uint64_t key, std::uint64_t hash, Pred&& pred, Entry* out) const noexcept {
    return read([&](const View& table) { return scan(table, key, hash, pred, out); });
  }

  // Counters: written under the lock, readable by anyone at any time.
  std::uint64_t live() const noexcept { return live_.load(std::memory_order_relaxed); }
  std::uint64_t bytes() const noexcept {
    std::uint64_t total = 0;
    for (const auto& counter : purpose_bytes_) {
      total += counter.load(std::memory_order_relaxed);
    }
    return total;
  }
  std::uint64_t purpose_bytes(VramPurpose p) const noexcept {
    return purpose_bytes_[index_of(p)].load(std::memory_order_relaxed);
  }
  // device in [0, kCountedDevices).
  std::uint64_t device_bytes(int device) const noexcept {
    return device_bytes_[device].load(std::memory_order_relaxed);
  }

  // ---- Writers ----------------------------------------------------------

  void lock() noexcept {
    std::uint64_t s = seq_.load(std::memory_order_relaxed);
    if (VRAM_ONLY_LIKELY((s & 1) == 0 &&
                         seq_.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                                    std::memory_order_relaxed))) {
      return;
    }
    lock_contended();
  }

  void unlock() noexcept {
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // The following require the lock.

  // A sequence number for a new record: unique among this shard's live
  // records (it comes from the lock word, which advances by 2 per write;
  // it wraps after 2^37 writes to one shard).
  std::uint64_t next_seq_locked() const noexcept {
    // The lock word is 2n + 1 inside the n-th write (n = 0, 1, ...).
    const std::uint64_t seq = ((seq_.load(std::memory_order_relaxed) >> 1) + 1) & kMaxSeq;
    return seq == 0 ? 1 : seq;
  }

  // True on every 4096th write to this shard (peak sampling).
  bool sample_due_locked() const noexcept {
    return ((seq_.load(std::memory_order_relaxed) >> 1) & 4095) == 0;
  }

  // Index of an entry with `key` for which pred(entry) is true, or npos.
  template <class Pred>
  std::size_t find_locked(std::uint64_t key, std::uint64_t hash, Pred&& pred) const noexcept {
    const std::uintptr_t word = table_word_.load(std::memory_order_relaxed);
    if (word == 0) {
      return npos;
    }
    const View table = decode(word);
    std::size_t i = table.home(hash);
    for (std::size_t n = 0; n <= table.mask; ++n, i = (i + 1) & table.mask) {
      const std::uint64_t k = table.slots[i].key.load(std::memory_order_relaxed);
      if (k == 0) {
        return npos;
      }
      if (k == key && pred(load(table.slots[i]))) {
        return i;
      }
    }
    return npos;
  }

  Entry entry_at(std::size_t i) const noexcept { return load(current().slots[i]); }

  const std::string& label_at(std::size_t i) const noexcept {
    static const std::string empty;
    const auto& label = labels_of(current())[i];
    return label ? *label : empty;
  }

  // Visits every entry: visit(index, entry).
  template <class Visit>
  void for_each_locked(Visit&& visit) const {
    const std::uintptr_t word = table_word_.load(std::memory_order_relaxed);
    if (word == 0) {
      return;
    }
    const View table = decode(word);
    for (std::size_t i = 0; i <= table.mask; ++i) {
      if (table.slots[i].key.load(std::memory_order_relaxed) != 0) {
        visit(i, load(table.slots[i]));
      }
    }
  }

  // Makes room for one more entry. May throw std::bad_alloc (nothing changed then).
  void reserve_one_locked() {
    const std::uintptr_t word = table_word_.load(std::memory_order_relaxed);
    // An empty word decodes to capacity 1: never enough room.
    if (VRAM_ONLY_LIKELY((live_.load(std::memory_order_relaxed) + 1) * 2 <=
                         (std::size_t{1} << (word & 63)))) {
      return;
    }
    grow_locked(word);
  }

  // Inserts e unless an entry with the same key satisfies conflict(entry),
  // in one walk of the key's probe chain (which ends at the slot where e
  // goes). Returns false, changing nothing, on a conflict.
  // reserve_one_locked() must have been called. `label` (moved from on
  // success) is non-null iff e's meta has the label bit.
  template <class Conflict>
  bool insert_unless_locked(const Entry& e, std::uint64_t hash, Conflict&& conflict,
                            std::unique_ptr<std::string>& label) noexcept {
    const View table = current();
    std::size_t i = table.home(hash);
    for (;;) {
      const std::uint64_t k = table.slots[i].key.load(std::memory_order_relaxed);
      if (k == 0) {
        break;
      }
      if (k == e.key && conflict(load(table.slots[i]))) {
        return false;
      }
      i = (i + 1) & table.mask;
    }
    Slot& slot = table.slots[i];
    slot.base.store(e.base, std::memory_order_release);
    slot.bytes.store(e.bytes, std::memory_order_release);
    slot.meta.store(e.meta, std::memory_order_release);
    slot.key.store(e.key, std::memory_order_release);
    if (label) {
      labels_of(table)[i] = std::move(label);
    }
    account(e, +1);
    return true;
  }

  // Removes the entry at index i (backward-shift deletion).
  void erase_locked(std::size_t i) noexcept {
    const View table = current();
    const Entry removed = load(table.slots[i]);
    account(removed, -1);
    if (meta_has_label(removed.meta)) {
      labels_of(table)[i].reset();
    }
    std::size_t hole = i;
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & table.mask;
      const std::uint64_t k = table.slots[j].key.load(std::memory_order_relaxed);
      if (k == 0) {
        break;
      }
      const std::size_t home = table.home(hash_key(k));
      // The entry at j may move into the hole unless its home lies
      // cyclically in (hole, j].
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        copy_slot(table.slots[j], table.slots[hole]);
        if (meta_has_label(table.slots[j].meta.load(std::memory_order_relaxed))) {
          labels_of(table)[hole] = std::move(labels_of(table)[j]);
        }
        hole = j;
      }
    }
    table.slots[hole].key.store(0, std::memory_order_release);
  }

  // Replaces the meta word of the entry at index i (same sequence number
  // and label bit).
  void set_meta_locked(std::size_t i, std::uint64_t meta) noexcept {
    current().slots[i].meta.store(meta, std::memory_order_release);
  }

 private:
  static constexpr std::size_t kInitialCapacity = 8;

  // The lock's slow path: another writer is inside.
  VRAM_ONLY_NOINLINE void lock_contended() noexcept {
    Backoff backoff;
    for (;;) {
      backoff.pause();
      std::uint64_t s = seq_.load(std::memory_order_relaxed);
      if ((s & 1) == 0 &&
          seq_.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
        return;
      }
    }
  }

  // reserve_one_locked's slow path: a table twice as large (or the first).
  VRAM_ONLY_NOINLINE void grow_locked(std::uintptr_t word) {
    const std::size_t capacity = word == 0 ? 0 : std::size_t{1} << (word & 63);
    const std::size_t new_capacity = capacity == 0 ? kInitialCapacity : capacity * 2;
    const std::uintptr_t grown_word = allocate_table(new_capacity);
    if (word != 0) {
      try {
        retired_.reserve(retired_.size() + 1);
      } catch (...) {
        release_table(grown_word);
        throw;
      }
      const View from = decode(word);
      const View to = decode(grown_word);
      auto* from_labels = labels_of(from);
      auto* to_labels = labels_of(to);
      for (std::size_t i = 0; i < capacity; ++i) {
        const std::uint64_t k = from.slots[i].key.load(std::memory_order_relaxed);
        if (k == 0) {
          continue;
        }
        std::size_t j = to.home(hash_key(k));
        while (to.slots[j].key.load(std::memory_order_relaxed) != 0) {
          j = (j + 1) & to.mask;
        }
        copy_slot(from.slots[i], to.slots[j]);
        to_labels[j] = std::move(from_labels[i]);
      }
      retired_.push_back(word);
    }
    table_word_.store(grown_word, std::memory_order_release);
  }

  static View decode(std::uintptr_t word) noexcept {
    return View{reinterpret_cast<Slot*>(word & ~std::uintptr_t{63}),
                (std::size_t{1} << (word & 63)) - 1, static_cast<unsigned>(word & 63)};
  }

  View current() const noexcept { return decode(table_word_.load(std::memory_order_relaxed)); }

  static Header* header_of(const View& table) noexcept {
    return reinterpret_cast<Header*>(reinterpret_cast<char*>(table.slots) - kHeaderBytes);
  }
  static std::unique_ptr<std::string>* labels_of(const View& table) noexcept {
    return header_of(table)->labels;
  }

  // A header + `capacity` slots in one 64-byte aligned block; returns its word.
  static std::uintptr_t allocate_table(std::size_t capacity) {
    auto labels = std::make_unique<std::unique_ptr<std::string>[]>(capacity);
    char* raw = static_cast<char*>(
        ::operator new(kHeaderBytes + capacity * sizeof(Slot), std::align_val_t{64}));
    new (raw) Header{labels.release()};
    Slot* slots = reinterpret_cast<Slot*>(raw + kHeaderBytes);
    for (std::size_t i = 0; i < capacity; ++i) {
      new (&slots[i]) Slot();
    }
    return reinterpret_cast<std::uintptr_t>(slots) |
           static_cast<std::uintptr_t>(__builtin_ctzll(capacity));
  }

  static void release_table(std::uintptr_t word) noexcept {
    if (word == 0) {
      return;
    }
    const View table = decode(word);
    for (std::size_t i = 0; i <= table.mask; ++i) {
      table.slots[i].~Slot();
    }
    Header* header = header_of(table);
    delete[] header->labels;
    header->~Header();
    ::operator delete(reinterpret_cast<char*>(header), std::align_val_t{64});
  }

  static Entry load(const Slot& slot) noexcept {
    return Entry{slot.key.load(std::memory_order_relaxed),
                 slot.base.load(std::memory_order_relaxed),
                 slot.bytes.load(std::memory_order_relaxed),
                 slot.meta.load(std::memory_order_relaxed)};
  }

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
    add(live_, sign > 0 ? 1 : ~std::uint64_t{0});
    add(purpose_bytes_[index_of(meta_purpose(e.meta))], delta);
    const int device = meta_device(e.meta);
    if (device >= 0 && device < kCountedDevices) {
      add(device_bytes_[device], delta);
    }
  }

  // Line 1: everything an operation writes besides its slot.
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uintptr_t> table_word_{0};  // slots | log2(capacity); 0 = no table yet
  std::atomic<std::uint64_t> live_{0};         // also the table's size
  std::atomic<std::uint64_t> purpose_bytes_[kVramPurposeCount]{};
  // Line 2: per device (operations that name a device 0..7).
  alignas(64) std::atomic<std::uint64_t> device_bytes_[kCountedDevices]{};
  // Writer-only, touched when a table grows.
  std::vector<std::uintptr_t> retired_;
};

static_assert(sizeof(std::atomic<std::uint64_t>) == 8, "lock-free 64-bit atomics are required");

}  // namespace vram_only::detail
