// VramTracker: every device allocation the worker made, by purpose and
// device, with range lookups and a residency sweep.
//
//   vram_only::VramTracker& tracker = vram_only::default_tracker();
//   cudaMalloc(&p, n);
//   tracker.record_allocation(p, n, vram_only::VramPurpose::KvCache, "kv.layer0");
//   ...
//   tracker.record_deallocation(p);   // before cudaFree(p), see below
//   cudaFree(p);
//
// Thread-safety: every member function may be called from any thread
// concurrently (the destructor excepted). Design, for the costs the
// benchmarks measure:
// - Records live in shards (256 by default) chosen by a hash of (size
//   class, 2 MiB region of the base address, or one granule for larger
//   size classes; TrackerOptions::shard_region_log2); each shard is a small
//   hash table under its own sequence lock (detail/tracker_shard.hpp) with
//   its own count and byte counters, all in one cache line with the lock.
//   There is no global lock and no global counter written per record;
//   totals are sums over the shards at query time (each shard's part is
//   exact; under concurrent changes the sum combines shard values from
//   slightly different moments).
// - Range lookup (find) uses size classes (detail/size_class.hpp): it
//   probes granule(p) of each size class that has records, with optimistic
//   reads that take no lock, and granule(p) - 1 only when a record based
//   there may cross into granule(p). Two sticky presence filters
//   (detail/group_filter.hpp) decide: one skips size classes with nothing
//   near p, the other remembers granules whose records ever crossed their
//   end (aligned allocations never do, so their lookups and records probe
//   one key, not two).
// - The common paths do no allocation, build no string and write no shared
//   line besides their shard's: an unlabelled record or a deallocation is a
//   few hash computations, one lock of its shard and a short probe; misuse
//   reports, labels and table growth are out of line.
// - Sweeps copy every record (three words each) shard by shard under that
//   shard's lock alone, sort the copy by address (the driver answers much
//   faster for neighbouring addresses than for scattered ones;
//   detail/address_order.hpp), ask the oracle (the CUDA driver) about each
//   base address with no lock held, and only report a violation after
//   confirming, under the shard lock, that the very same record (same
//   sequence number) is still live. No tracker lock is ever held across a
//   driver call; verdicts to cache are written back in small batches. A
//   sweep keeps its working memory (50 to 70 bytes per record) for the
//   next one. Record the deallocation BEFORE freeing the memory: a record
//   whose memory is already freed reads as Unregistered and is a violation
//   (a dangling record), which is exactly what the sweep is for.
//
// Misuse never crashes and never corrupts totals; it is counted (misuse())
// and logged through the sink:
// - record_allocation(nullptr | 0 bytes | wrapping range | > 2^60 bytes):
//   ignored.
// - a range that overlaps live records (including the same base recorded
//   twice): the new record wins, the old overlapping records are dropped.
//   Overlaps are found immediately, except one case: a new range that
//   swallows whole records two or more size classes smaller (over 64x
//   smaller, e.g. a 64 MiB range over a stale 4 KiB record). Those are
//   found and dropped by the next sweep (verify_vram_residency or the
//   HealthMonitor), which checks only ranges recorded since the last sweep.
// - record_deallocation(p) where p is not the base of a live record
//   (unknown, interior or already freed): ignored. record_deallocation(nullptr)
//   is a no-op, like cudaFree(nullptr).
//
// Peak: an exact peak needs a global order of all records, which would cost
// a contended cache line per record. peak_usage() is the largest total seen
// by samples taken at every record of >= peak_sample_bytes (1 MiB by
// default), every 4096th change of each shard, every query of total_usage()
// / peak_usage() and every sweep (the sum of the shards it copied). It is exact for single-threaded use when
// the peak is reached by a large record, and otherwise a close lower bound.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vram_only/allocation.hpp"
#include "vram_only/detail/address_order.hpp"
#include "vram_only/detail/branch_hints.hpp"
#include "vram_only/detail/group_filter.hpp"
#include "vram_only/detail/record_meta.hpp"
#include "vram_only/detail/size_class.hpp"
#include "vram_only/detail/tracker_shard.hpp"
#include "vram_only/detail/violation_callbacks.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/residency_oracle.hpp"
#include "vram_only/residency_report.hpp"
#include "vram_only/violation.hpp"
#include "vram_only/vram_purpose.hpp"

namespace vram_only {

struct TrackerOptions {
  // Misuse reports go here; empty = the process-wide default sink.
  LogSink sink;
  // Residency answers for verify_vram_residency() and the tensor checks;
  // null = the CUDA driver (cuda_residency_oracle()). Must outlive the tracker.
  const ResidencyOracle* oracle = nullptr;
  // Records at least this large sample the peak (see the header comment).
  std::size_t peak_sample_bytes = std::size_t{1} << 20;
  // Number of shards, rounded up to a power of two in [1, 4096].
  unsigned shard_count = 256;
  // log2 of the address range whose records share a shard (per size class,
  // at least one granule of it), in [12, 40]. Large regions keep a thread's
  // own allocations (an arena, a stream's pool) in few shards, so cores
  // rarely share a shard's cache lines; small regions spread neighbouring
  // allocations over more shards (less lock contention when many threads
  // record side by side at once). Default 21: 2 MiB, the GPU page size.
  unsigned shard_region_log2 = 21;
};

class VramTracker {
 public:
  using ViolationListener = detail::ViolationCallbacks::Callback;

  explicit VramTracker(TrackerOptions options = {})
      : oracle_(options.oracle != nullptr ? options.oracle : &cuda_residency_oracle()),
        options_(std::move(options)) {
    unsigned bits = 0;
    while ((1u << bits) < options_.shard_count && bits < 12) {
      ++bits;
    }
    shard_bits_ = bits;
    shard_shift_ = 63 - bits;
    const unsigned region = options_.shard_region_log2 < 12   ? 12
                            : options_.shard_region_log2 > 40 ? 40
                                                              : options_.shard_region_log2;
    for (unsigned level = 0; level < detail::kLevelCount; ++level) {
      const unsigned shift = detail::level_shift(level);
      group_bits_[level] = region > shift ? region - shift : 0;
      group_mask_[level] = (std::uint64_t{1} << group_bits_[level]) - 1;
    }
    shards_.reset(new detail::TrackerShard[std::size_t{1} << bits]);
  }

  VramTracker(const VramTracker&) = delete;
  VramTracker& operator=(const VramTracker&) = delete;

  // ---- Recording ----------------------------------------------------------

  // Records [ptr, ptr + bytes) as a live device allocation. Returns false
  // when the call is ignored as misuse (null, zero bytes, invalid range).
  // device: the CUDA ordinal the allocation belongs to, -1 if unknown.
  bool record_allocation(const void* ptr, std::size_t bytes, VramPurpose purpose,
                         std::string_view label = {}, int device = -1) {
    const std::uint64_t a = address(ptr);
    const std::uint64_t last = a + (bytes - 1);
    // One test for null, zero bytes (bytes - 1 wraps), too large and wrapping.
    if (VRAM_ONLY_UNLIKELY(a == 0 || bytes - 1 >= detail::kMaxTrackedBytes || last < a)) {
      reject_record(ptr, bytes, purpose, label);
      return false;
    }
    const unsigned level = detail::level_for(bytes);
    const std::uint32_t levels = mark_level(level);
    const std::uint64_t g = detail::granule_of(a, level);
    const bool crosses = detail::granule_of(last, level) != g;
    const bool deep_check = level >= 2 && (levels & ((1u << (level - 1)) - 1)) != 0;
    filter_.mark(level, g >> group_bits_[level]);
    if (crosses) {
      crossing_.mark(level, g);  // before the record is visible
    }
    // Allocate before touching any shard; unlabelled records allocate nothing.
    std::unique_ptr<std::string> owned_label =
        label.empty() ? nullptr : std::make_unique<std::string>(label);

    // Overlap checks: every key a live record intersecting [a, last] can
    // have. Keys in the shard the new record goes to are checked under its
    // lock (exactly); the others optimistically, locking only where
    // something is found. In a run of aligned records of one size class
    // the only such key is g - 1 in g's group, whose crossing bit is read
    // under the lock; everything else is out of line.
    std::vector<Dropped> dropped;  // stays empty (no allocation) unless misused
    const KeyRef own = ref(level, g);
    detail::TrackerShard& shard = shards_[own.shard];
    Deferred deferred;
    const bool before_in_own_group = (g & group_mask_[level]) != 0;
    if (VRAM_ONLY_UNLIKELY(crosses || !before_in_own_group || levels != (1u << level))) {
      check_neighbours(Range{a, last, level, g}, levels, own.shard, deferred, dropped);
    }

    bool sample = bytes >= options_.peak_sample_bytes;
    {
      ShardLock lock(shard);
      if (before_in_own_group && crossing_.maybe(level, g - 1)) {
        drop_intersecting_locked(shard, ref(level, g - 1), a, last, dropped);
      }
      for (std::size_t i = 0; i < deferred.count; ++i) {
        drop_intersecting_locked(shard, deferred.refs[i], a, last, dropped);
      }
      shard.reserve_one_locked();
      const std::uint64_t meta = detail::pack_meta(device, purpose, shard.next_seq_locked(),
                                                   deep_check, owned_label != nullptr);
      const auto intersects = [a, last](const detail::Entry& e) {
        return e.base <= last && a <= e.base + (e.bytes - 1);
      };
      const detail::Entry entry{own.key, a, bytes, meta};
      while (VRAM_ONLY_UNLIKELY(!shard.insert_unless_locked(entry, own.hash, intersects, owned_label))) {
        drop_intersecting_locked(shard, own, a, last, dropped);  // misuse: rare
      }
      sample = shard.sample_due_locked() || sample;
    }
    if (VRAM_ONLY_UNLIKELY(!dropped.empty())) {
      report_dropped(ptr, bytes, purpose, label, dropped);
    }
    if (VRAM_ONLY_UNLIKELY(sample)) {
      sample_peak();
    }
    return true;
  }

  // Forgets the allocation whose base is ptr. Returns false (and counts a
  // misuse) when ptr is not the base of a live record; nullptr is a no-op.
  bool record_deallocation(const void* ptr) {
    const std::uint64_t a = address(ptr);
    if (a == 0) {
      return false;
    }
    const std::uint32_t levels = levels_.load(std::memory_order_relaxed);
    if (VRAM_ONLY_LIKELY((levels & (levels - 1)) == 0)) {
      // One size class in use: its shard for a is the only place the record
      // can be.
      if (levels != 0 && erase_base(static_cast<unsigned>(__builtin_ctz(levels)), a)) {
        return true;
      }
    } else {
      // The size classes whose filter bit admits a record based at a.
      std::uint32_t mask = 0;
      for (std::uint32_t m = levels; m != 0; m &= m - 1) {
        const unsigned j = static_cast<unsigned>(__builtin_ctz(m));
        if (filter_.maybe(j, detail::granule_of(a, j) >> group_bits_[j])) {
          mask |= 1u << j;
        }
      }
      if ((mask & (mask - 1)) == 0) {
        if (mask != 0 && erase_base(static_cast<unsigned>(__builtin_ctz(mask)), a)) {
          return true;
        }
      } else {
        // Several candidates: look before locking.
        const auto is_base = [a](const detail::Entry& e) { return e.base == a; };
        for (std::uint32_t m = mask; m != 0; m &= m - 1) {
          const unsigned j = static_cast<unsigned>(__builtin_ctz(m));
          const KeyRef r = ref(j, detail::granule_of(a, j));
          detail::Entry seen;
          if (shards_[r.shard].find(r.key, r.hash, is_base, &seen) && erase_base(j, a)) {
            return true;
          }
        }
      }
    }
    unknown_deallocation(ptr);
    return false;
  }

  // ---- Lookups ------------------------------------------------------------

  // The live allocation containing ptr (any interior pointer), if any.
  // Lock-free; no driver call.
  std::optional<TrackedAllocation> find(const void* ptr) const noexcept {
    const std::uint64_t a = address(ptr);
    // Relaxed loads of the size-class mask and the filters (see
    // detail/group_filter.hpp); the shard reads synchronise.
    std::uint32_t m = a != 0 ? levels_.load(std::memory_order_relaxed) : 0;
    const auto contains = [a](const detail::Entry& e) { return a - e.base < e.bytes; };
    detail::Entry found;
    for (; m != 0; m &= m - 1) {
      const unsigned j = static_cast<unsigned>(__builtin_ctz(m));
      const std::uint64_t g = detail::granule_of(a, j);
      // g - 1 shares g's group (hence its shard), unless g starts a group.
      const bool in_group = (g & group_mask_[j]) != 0;
      if (filter_.maybe(j, g >> group_bits_[j])) {
        const KeyRef here = ref(j, g);
        if (shards_[here.shard].read([&](const detail::TrackerShard::View& table) {
              if (detail::TrackerShard::scan(table, here.key, here.hash, contains, &found)) {
                return true;
              }
              // A record based in g - 1 reaches a only if it crosses into g.
              if (!in_group || !crossing_.maybe(j, g - 1)) {
                return false;
              }
              const std::uint64_t before_key = detail::make_key(j, g - 1);
              return detail::TrackerShard::scan(table, before_key, detail::hash_key(before_key),
                                                contains, &found);
            })) {
          return to_tracked(found, here.shard);
        }
        if (in_group) {
          continue;
        }
      } else if (in_group) {
        continue;  // nothing of this size class was ever recorded near a
      }
      // g starts a group: g - 1 belongs to the previous one (another shard).
      if (g > 0 && crossing_.maybe(j, g - 1)) {
        const KeyRef before = ref(j, g - 1);
        if (shards_[before.shard].find(before.key, before.hash, contains, &found)) {
          return to_tracked(found, before.shard);
        }
      }
    }
    return std::nullopt;
  }

  // Like find(), with the label.
  std::optional<AllocationInfo> describe(const void* ptr) const {
    for (int attempt = 0; attempt < 8; ++attempt) {
      const auto hit = find(ptr);
      if (!hit) {
        return std::nullopt;
      }
      if (auto info = lookup_info(*hit)) {
        return info;
      }
      // Freed between the lookup and the lock; look again.
    }
    return std::nullopt;
  }

  // Every live allocation, shard by shard (each shard consistent in itself).
  std::vector<AllocationInfo> snapshot() const {
    std::vector<AllocationInfo> all;
    all.reserve(live_count() + 16);
    for (std::size_t s = 0; s < shard_count(); ++s) {
      detail::TrackerShard& shard = shards_[s];
      ShardLock lock(shard);
      shard.for_each_locked([&](std::size_t i, const detail::Entry& e) {
        AllocationInfo info;
        static_cast<TrackedAllocation&>(info) = to_tracked(e, s);
        info.label = shard.label_at(i);
        all.push_back(std::move(info));
      });
    }
    return all;
  }

  // ---- Totals -------------------------------------------------------------

  std::uint64_t total_usage() const noexcept {
    const std::uint64_t total = sum([](const detail::TrackerShard& s) { return s.bytes(); });
    raise_peak(total);
    return total;
  }

  std::uint64_t usage(VramPurpose purpose) const noexcept {
    return sum([purpose](const detail::TrackerShard& s) { return s.purpose_bytes(purpose); });
  }

  // Bytes recorded with this device ordinal (-1: recorded without a device).
  // Ordinals 0..7 are summed from per-shard counters; others by a scan.
  std::uint64_t usage_on_device(int device) const {
    if (device >= 0 && device < detail::kCountedDevices) {
      return sum([device](const detail::TrackerShard& s) { return s.device_bytes(device); });
    }
    std::uint64_t total = 0;  // other ordinals: count by scanning
    for (std::size_t s = 0; s < shard_count(); ++s) {
      detail::TrackerShard& shard = shards_[s];
      ShardLock lock(shard);
      shard.for_each_locked([&](std::size_t, const detail::Entry& e) {
        total += detail::meta_device(e.meta) == device ? e.bytes : 0;
      });
    }
    return total;
  }

  std::uint64_t live_count() const noexcept {
    return sum([](const detail::TrackerShard& s) { return s.live(); });
  }

  std::uint64_t peak_usage() const noexcept {
    total_usage();
    return peak_.load(std::memory_order_relaxed);
  }

  MisuseCounts misuse() const noexcept {
    MisuseCounts c;
    c.null_records = misuse_.null_records.load(std::memory_order_relaxed);
    c.zero_byte_records = misuse_.zero_byte_records.load(std::memory_order_relaxed);
    c.invalid_ranges = misuse_.invalid_ranges.load(std::memory_order_relaxed);
    c.double_records = misuse_.double_records.load(std::memory_order_relaxed);
    c.overlapping_records = misuse_.overlapping_records.load(std::memory_order_relaxed);
    c.unknown_deallocations = misuse_.unknown_deallocations.load(std::memory_order_relaxed);
    return c;
  }

  // ---- Residency ----------------------------------------------------------

  // Checks every tracked allocation with the tracker's oracle (the CUDA
  // driver unless TrackerOptions::oracle says otherwise) and returns every
  // violating allocation.
  ResidencyReport verify_vram_residency() { return sweep(*oracle_); }
  ResidencyReport verify_vram_residency(const ResidencyOracle& oracle) { return sweep(oracle); }

  // The sweep behind verify_vram_residency() and HealthMonitor. Stops early
  // (report.complete == false) when *stop becomes true.
  ResidencyReport sweep(const ResidencyOracle& oracle, const std::atomic<bool>* stop = nullptr) {
    const auto started = std::chrono::steady_clock::now();
    ResidencyReport report;
    // The buffers of the last sweep unless another sweep is using them
    // (fresh multi-megabyte buffers would cost page faults on every sweep).
    BufferClaim claim(sweep_buffers_busy_);
    SweepBuffers own_buffers;
    SweepBuffers& buffers = claim.owned() ? sweep_buffers_ : own_buffers;
    // 1. Copy every record (three words each), shard by shard under that
    //    shard's lock alone.
    const Snapshot snap = snapshot_items(buffers);
    const std::size_t n = snap.size;
    // 2. Ask in ascending address order (detail/address_order.hpp says why).
    SweepBuffers::fit(buffers.sorted, n);
    detail::sort_by_address(buffers.snapshot.data(), n, snap.span,
                            [](const SweepItem& item) { return item.base; },
                            buffers.sorted.data(), buffers.scratch);
    const SweepItem* const items = buffers.sorted.data();
    // 3. Query with no lock held. Verdicts to cache go through a small
    //    batch, written one shard lock per run of neighbours; a violation is
    //    confirmed against the live record before it is reported.
    std::size_t marks[kMarkBatch];
    std::size_t mark_count = 0;
    for (std::size_t block = 0; block < n; block += kStopCheckInterval) {
      if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
        report.complete = false;
        break;
      }
      const std::size_t end = std::min(n, block + kStopCheckInterval);
      for (std::size_t k = block; k < end; ++k) {
        const SweepItem& item = items[k];
        const ResidencyVerdict verdict = oracle.query(pointer(item.base));
        if (VRAM_ONLY_LIKELY(verdict.resident())) {
          if (VRAM_ONLY_UNLIKELY(detail::meta_residency(item.meta) != ResidencyState::Resident)) {
            marks[mark_count++] = k;
            if (mark_count == kMarkBatch) {
              mark_resident(items, marks, mark_count);
              mark_count = 0;
            }
          }
          continue;
        }
        if (auto violation = confirm_violation(item, verdict)) {
          report.query_failures += verdict.memory_type == MemoryType::Error ? 1 : 0;
          report.violations.push_back(std::move(*violation));
        }
      }
      report.checked = end;
    }
    mark_resident(items, marks, mark_count);
    if (report.complete && snap.deep_check) {
      // Ranges recorded over much smaller records (rare): check them
      // against the snapshot.
      report.overlaps_dropped = drop_nested(items, n);
    }
    raise_peak(snap.bytes);  // a sample of the total (each shard's part exact)
    report.duration = std::chrono::steady_clock::now() - started;
    return report;
  }

  // Caches a residency verdict in the record (used by the tensor checks).
  // Returns false when the record is no longer live or the verdict is Error
  // (failed queries are never cached).
  bool update_residency(const TrackedAllocation& allocation, const ResidencyVerdict& verdict) {
    if (verdict.memory_type == MemoryType::Error) {
      return false;  // a failed query is not cached: the next check asks again
    }
    const auto state = verdict.resident() ? ResidencyState::Resident : ResidencyState::NotResident;
    return with_live_record(allocation, [&](detail::TrackerShard& shard, std::size_t i, std::size_t) {
      shard.set_meta_locked(i, detail::with_residency(shard.entry_at(i).meta, state, verdict.memory_type));
    });
  }

  const ResidencyOracle& oracle() const noexcept { return *oracle_; }
  const LogSink& sink() const noexcept { return options_.sink; }

  // ---- Violation listeners (HealthMonitor attaches itself here) -----------

  // Listeners hear about violations found outside a monitor's own sweeps
  // (tensor checks with ViolationAction::ReportAndMarkUnhealthy). They are
  // called on the reporting thread and must not add or remove listeners.
  std::uint64_t add_violation_listener(ViolationListener listener) {
    return listeners_.add(std::move(listener));
  }

  // Waits for calls in flight, so the listener is never called afterwards.
  void remove_violation_listener(std::uint64_t id) { listeners_.remove(id); }

  void publish_violation(const Violation& violation) const {
    listeners_.call(&violation, &violation + 1, options_.sink,
                    "a violation listener threw; ignored");
  }

 private:
  static constexpr std::size_t kMaxDeferred = 8;
  // Sweep: verdicts cached per shard lock at most (a lock hold of ~1 us).
  static constexpr std::size_t kMarkBatch = 32;
  // Sweep: how often the stop flag is read (in queries).
  static constexpr std::size_t kStopCheckInterval = 64;

  struct MisuseCounters {
    std::atomic<std::uint64_t> null_records{0};
    std::atomic<std::uint64_t> zero_byte_records{0};
    std::atomic<std::uint64_t> invalid_ranges{0};
    std::atomic<std::uint64_t> double_records{0};
    std::atomic<std::uint64_t> overlapping_records{0};
    std::atomic<std::uint64_t> unknown_deallocations{0};
  };

  struct Dropped {
    detail::Entry entry;
    std::string label;
  };

  // A record as a sweep copies it (its key and shard follow from base and
  // bytes: see ref_of).
  struct SweepItem {
    std::uint64_t base;
    std::uint64_t bytes;
    std::uint64_t meta;
  };

  class ShardLock {
   public:
    explicit ShardLock(detail::TrackerShard& shard) noexcept : shard_(shard) { shard_.lock(); }
    ~ShardLock() { shard_.unlock(); }
    ShardLock(const ShardLock&) = delete;
    ShardLock& operator=(const ShardLock&) = delete;

   private:
    detail::TrackerShard& shard_;
  };

  static std::uint64_t address(const void* p) noexcept {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
  }
  static const void* pointer(std::uint64_t a) noexcept {
    return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(a));
  }

  std::size_t shard_count() const noexcept { return std::size_t{1} << shard_bits_; }

  // Where the records of (size class, granule) live: the key, its slot hash,
  // and its shard. Shards are chosen per group of consecutive granules
  // covering TrackerOptions::shard_region_log2 bytes, so that granule g and
  // g - 1 (which every lookup probes) are usually in the same shard (one
  // optimistic read instead of two), and a thread's own address range maps
  // to few shards.
  struct KeyRef {  // trivial: arrays of it are not zero-filled on the hot path
    std::uint64_t key;
    std::uint64_t hash;
    std::size_t shard;
  };

  void fill_ref(unsigned level, std::uint64_t granule, KeyRef& r) const noexcept {
    r.key = detail::make_key(level, granule);
    r.hash = detail::hash_key(r.key);
    r.shard = shard_of_group(level, granule >> group_bits_[level]);
  }

  KeyRef ref(unsigned level, std::uint64_t granule) const noexcept {
    KeyRef r;
    fill_ref(level, granule, r);
    return r;
  }

  // Fibonacci hashing: the top bits of group * 2^64/phi spread neighbouring
  // and strided groups evenly over the shards.
  std::size_t shard_of_group(unsigned level, std::uint64_t group) const noexcept {
    const std::uint64_t h = detail::make_key(level, group) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>((h >> shard_shift_) >> 1);  // the top shard_bits_ bits
  }

  KeyRef ref_of(const SweepItem& item) const noexcept {
    const unsigned level = detail::level_for(item.bytes);
    return ref(level, detail::granule_of(item.base, level));
  }

  // Keys an insertion checks under its shard's lock (built in place: no
  // copies or zero-filling on the hot path; refs[count] is scratch).
  struct Deferred {
    KeyRef refs[kMaxDeferred + 1];
    std::size_t count = 0;
    KeyRef& next() noexcept { return refs[count]; }
  };

  // A range being recorded: [a, last], its size class and base granule.
  struct Range {
    std::uint64_t a;
    std::uint64_t last;
    unsigned level;
    std::uint64_t g;
  };

  // The overlap checks of record_allocation besides g itself and g - 1 in
  // g's group: g - 1 in the previous group, g + 1 when the range reaches
  // into it, and every other size class with records. Keys in the shard
  // `own_shard` are left in `deferred` (checked under its lock by the
  // caller); the others are checked here.
  VRAM_ONLY_NOINLINE void check_neighbours(const Range& r, std::uint32_t levels,
                                           std::size_t own_shard, Deferred& deferred,
                                           std::vector<Dropped>& dropped) {
    const std::uint64_t a = r.a;
    const std::uint64_t last = r.last;
    const unsigned level = r.level;
    const std::uint64_t g = r.g;
    const auto probe = [&](unsigned j, std::uint64_t granule) {
      KeyRef& k = deferred.next();
      fill_ref(j, granule, k);
      if (k.shard == own_shard && deferred.count < kMaxDeferred) {
        ++deferred.count;  // checked under the lock by the caller
      } else {
        drop_intersecting(k, a, last, dropped);
      }
    };
    // Same size class: a record based in g - 1 reaches into g only if it
    // crosses its granule's end (the crossing filter); g + 1 when the new
    // record reaches into it.
    if ((g & group_mask_[level]) == 0 && g > 0 && crossing_.maybe(level, g - 1)) {
      probe(level, g - 1);
    }
    if (detail::granule_of(last, level) != g && filter_.maybe(level, (g + 1) >> group_bits_[level])) {
      probe(level, g + 1);
    }
    // Other size classes with records.
    for (std::uint32_t m = levels & ~(1u << level); m != 0; m &= m - 1) {
      const unsigned j = static_cast<unsigned>(__builtin_ctz(m));
      const std::uint64_t g_first = detail::granule_of(a, j);
      const std::uint64_t g_last = detail::granule_of(last, j);
      if (g_first > 0 && crossing_.maybe(j, g_first - 1)) {
        probe(j, g_first - 1);
      }
      if (j + 1 >= level) {
        // Records of this size class are at least 1/64 of the new size:
        // every granule of the range (at most 65).
        for (std::uint64_t gg = g_first; gg <= g_last; ++gg) {
          if (filter_.maybe(j, gg >> group_bits_[j])) {
            probe(j, gg);
          }
        }
      } else {
        // Much smaller records: those containing either end. Whole records
        // inside are left to the next sweep (deep_check flag).
        if (filter_.maybe(j, g_first >> group_bits_[j])) {
          probe(j, g_first);
        }
        if (g_last > g_first) {
          if (g_last - 1 > g_first && crossing_.maybe(j, g_last - 1)) {
            probe(j, g_last - 1);
          }
          if (filter_.maybe(j, g_last >> group_bits_[j])) {
            probe(j, g_last);
          }
        }
      }
    }
  }

  // Marks a size class as non-empty (sticky) and returns the mask.
  std::uint32_t mark_level(unsigned level) noexcept {
    const std::uint32_t bit = 1u << level;
    const std::uint32_t mask = levels_.load(std::memory_order_acquire);
    if ((mask & bit) != 0) {
      return mask;
    }
    return levels_.fetch_or(bit, std::memory_order_acq_rel) | bit;
  }

  template <class Get>
  std::uint64_t sum(Get&& get) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < shard_count(); ++s) {
      total += get(shards_[s]);
    }
    return total;
  }

  TrackedAllocation to_tracked(const detail::Entry& e, std::size_t shard) const noexcept {
    TrackedAllocation t;
    t.base = pointer(e.base);
    t.bytes = static_cast<std::size_t>(e.bytes);
    t.purpose = detail::meta_purpose(e.meta);
    t.device = detail::meta_device(e.meta);
    t.id = detail::meta_seq(e.meta) << shard_bits_ | shard;
    t.residency = detail::meta_residency(e.meta);
    t.memory_type = detail::meta_memory_type(e.meta);
    return t;
  }

  // The record behind `hit` with its label, if it is still live.
  std::optional<AllocationInfo> lookup_info(const TrackedAllocation& hit) const {
    std::optional<AllocationInfo> info;
    with_live_record(hit, [&](detail::TrackerShard& shard, std::size_t i, std::size_t shard_index) {
      info.emplace();
      static_cast<TrackedAllocation&>(*info) = to_tracked(shard.entry_at(i), shard_index);
      info->label = shard.label_at(i);
    });
    return info;
  }

  // Calls f(shard, slot index, shard index) under the shard's lock if the
  // very record `t` describes (same base, same sequence number) is still
  // live; returns whether it was.
  template <class F>
  bool with_live_record(const TrackedAllocation& t, F&& f) const {
    const std::uint64_t base = address(t.base);
    const unsigned level = detail::level_for(t.bytes);
    const KeyRef r = ref(level, detail::granule_of(base, level));
    const std::uint64_t seq = t.id >> shard_bits_;
    detail::TrackerShard& shard = shards_[r.shard];
    ShardLock lock(shard);
    const std::size_t i = shard.find_locked(r.key, r.hash, [&](const detail::Entry& e) {
      return e.base == base && detail::meta_seq(e.meta) == seq;
    });
    if (i == detail::TrackerShard::npos) {
      return false;
    }
    f(shard, i, r.shard);
    return true;
  }

  void drop_intersecting(const KeyRef& r, std::uint64_t a, std::uint64_t last,
                         std::vector<Dropped>& dropped) {
    detail::TrackerShard& shard = shards_[r.shard];
    detail::Entry seen;
    const auto intersects = [a, last](const detail::Entry& e) {
      return e.base <= last && a <= e.base + (e.bytes - 1);
    };
    if (!shard.find(r.key, r.hash, intersects, &seen)) {
      return;  // the common case: nothing there, nothing written
    }
    ShardLock lock(shard);
    drop_intersecting_locked(shard, r, a, last, dropped);
  }

  static void drop_intersecting_locked(detail::TrackerShard& shard, const KeyRef& r,
                                       std::uint64_t a, std::uint64_t last,
                                       std::vector<Dropped>& dropped) {
    const auto intersects = [a, last](const detail::Entry& e) {
      return e.base <= last && a <= e.base + (e.bytes - 1);
    };
    for (;;) {
      const std::size_t i = shard.find_locked(r.key, r.hash, intersects);
      if (i == detail::TrackerShard::npos) {
        return;
      }
      dropped.push_back(Dropped{shard.entry_at(i), shard.label_at(i)});
      shard.erase_locked(i);
    }
  }

  VRAM_ONLY_COLD void report_dropped(const void* ptr, std::size_t bytes, VramPurpose purpose,
                      std::string_view label, const std::vector<Dropped>& dropped) {
    for (const Dropped& d : dropped) {
      const std::string old = format_pointer(pointer(d.entry.base)) + " +" +
                              std::to_string(d.entry.bytes) + " bytes, " +
                              std::string(to_string(detail::meta_purpose(d.entry.meta))) +
                              ", label=" + quote(d.label);
      const std::string now = format_pointer(ptr) + " +" + std::to_string(bytes) + " bytes, " +
                              std::string(to_string(purpose)) + ", label=" + quote(label);
      if (d.entry.base == address(ptr)) {
        misuse(misuse_.double_records, "record_allocation(" + now +
                                           "): the pointer is already recorded (" + old +
                                           "); the old record is replaced");
      } else {
        misuse(misuse_.overlapping_records, "record_allocation(" + now +
                                                ") overlaps the live record " + old +
                                                ", which is dropped");
      }
    }
  }

  void misuse(std::atomic<std::uint64_t>& counter, const std::string& message) {
    counter.fetch_add(1, std::memory_order_relaxed);
    log_to(options_.sink, LogLevel::Warning, "tracker misuse: " + message);
  }

  void raise_peak(std::uint64_t total) const noexcept {
    std::uint64_t peak = peak_.load(std::memory_order_relaxed);
    while (total > peak &&
           !peak_.compare_exchange_weak(peak, total, std::memory_order_relaxed)) {
    }
  }

  void sample_peak() const noexcept { total_usage(); }

  // Under the item's shard lock: is the very same record still live?
  static std::size_t locate_locked(detail::TrackerShard& shard, const KeyRef& r,
                                   const SweepItem& item) noexcept {
    const std::uint64_t seq = detail::meta_seq(item.meta);
    return shard.find_locked(r.key, r.hash, [&](const detail::Entry& e) {
      return e.base == item.base && detail::meta_seq(e.meta) == seq;
    });
  }

  // Removes the record based at a from size class j, if there is one.
  bool erase_base(unsigned j, std::uint64_t a) {
    const KeyRef r = ref(j, detail::granule_of(a, j));
    detail::TrackerShard& shard = shards_[r.shard];
    bool sample = false;
    {
      ShardLock lock(shard);
      const std::size_t i =
          shard.find_locked(r.key, r.hash, [a](const detail::Entry& e) { return e.base == a; });
      if (i == detail::TrackerShard::npos) {
        return false;
      }
      shard.erase_locked(i);
      sample = shard.sample_due_locked();
    }
    if (VRAM_ONLY_UNLIKELY(sample)) {
      sample_peak();
    }
    return true;
  }

  VRAM_ONLY_COLD void reject_record(const void* ptr, std::size_t bytes, VramPurpose purpose,
                                    std::string_view label) {
    if (ptr == nullptr) {
      misuse(misuse_.null_records, "record_allocation(nullptr, " + std::to_string(bytes) +
                                       " bytes, " + std::string(to_string(purpose)) +
                                       ", label=" + quote(label) + ") ignored: null pointer");
    } else if (bytes == 0) {
      misuse(misuse_.zero_byte_records, "record_allocation(" + format_pointer(ptr) +
                                            ", 0 bytes, " + std::string(to_string(purpose)) +
                                            ", label=" + quote(label) +
                                            ") ignored: zero bytes");
    } else {
      misuse(misuse_.invalid_ranges,
             "record_allocation(" + format_pointer(ptr) + ", " + std::to_string(bytes) +
                 " bytes, label=" + quote(label) +
                 ") ignored: the range wraps around the address space or exceeds 2^60 bytes");
    }
  }

  VRAM_ONLY_COLD void unknown_deallocation(const void* ptr) {
    std::string message = "record_deallocation(" + format_pointer(ptr) +
                          ") ignored: not the base address of a live tracked allocation";
    if (const auto inside = describe(ptr)) {
      message += " (it lies inside " + format_pointer(inside->base) + " +" +
                 std::to_string(inside->bytes) + " bytes, " +
                 std::string(to_string(inside->purpose)) + ", label=" + quote(inside->label) + ")";
    }
    misuse(misuse_.unknown_deallocations, message);
  }

  // Caches "resident" in the records items[index[0..count)] that are still
  // live. Consecutive items in one shard (neighbours in address order)
  // share one lock hold.
  void mark_resident(const SweepItem* items, const std::size_t* index,
                     std::size_t count) {
    std::size_t k = 0;
    while (k < count) {
      KeyRef r = ref_of(items[index[k]]);
      const std::size_t s = r.shard;
      detail::TrackerShard& shard = shards_[s];
      ShardLock lock(shard);
      for (;;) {
        const SweepItem& item = items[index[k]];
        const std::size_t i = locate_locked(shard, r, item);
        if (i != detail::TrackerShard::npos) {
          shard.set_meta_locked(i, detail::with_residency(shard.entry_at(i).meta,
                                                          ResidencyState::Resident,
                                                          MemoryType::Device));
        }
        if (++k == count) {
          break;
        }
        r = ref_of(items[index[k]]);
        if (r.shard != s) {
          break;
        }
      }
    }
  }

  std::optional<Violation> confirm_violation(const SweepItem& item,
                                             const ResidencyVerdict& verdict) {
    std::string label;
    const KeyRef r = ref_of(item);
    {
      detail::TrackerShard& shard = shards_[r.shard];
      ShardLock lock(shard);
      const std::size_t i = locate_locked(shard, r, item);
      if (i == detail::TrackerShard::npos) {
        return std::nullopt;  // deallocated while we asked: not a violation
      }
      label = shard.label_at(i);
      if (verdict.memory_type != MemoryType::Error) {  // failed queries are not cached
        shard.set_meta_locked(i, detail::with_residency(shard.entry_at(i).meta,
                                                        ResidencyState::NotResident,
                                                        verdict.memory_type));
      }
    }
    return make_violation(verdict, pointer(item.base), static_cast<std::size_t>(item.bytes),
                          detail::meta_purpose(item.meta), std::move(label),
                          detail::meta_device(item.meta), id_of(item, r.shard));
  }

  std::uint64_t id_of(const SweepItem& item, std::size_t shard) const noexcept {
    return detail::meta_seq(item.meta) << shard_bits_ | shard;
  }

  // Working memory of a sweep. Vectors only grow (so that they are not
  // zero-filled again on every sweep) until they are far too large.
  struct SweepBuffers {
    std::vector<SweepItem> snapshot;
    std::vector<SweepItem> sorted;
    detail::SortScratch scratch;

    static void fit(std::vector<SweepItem>& v, std::size_t n) {
      if (v.size() < n) {
        v.resize(n + n / 8);
      } else if (v.size() > 4 * n + 4096) {
        std::vector<SweepItem>(n + n / 8).swap(v);  // release most of it
      }
    }
  };

  // Claims a busy flag if it is free (for as long as it lives); never
  // waits, and a sweep started from inside a sweep (an oracle calling back)
  // simply does not get it.
  class BufferClaim {
   public:
    explicit BufferClaim(std::atomic<bool>& busy) noexcept
        : busy_(busy), owned_(!busy.exchange(true, std::memory_order_acquire)) {}
    ~BufferClaim() {
      if (owned_) {
        busy_.store(false, std::memory_order_release);
      }
    }
    BufferClaim(const BufferClaim&) = delete;
    BufferClaim& operator=(const BufferClaim&) = delete;
    bool owned() const noexcept { return owned_; }

   private:
    std::atomic<bool>& busy_;
    bool owned_;
  };

  struct Snapshot {
    std::size_t size = 0;
    bool deep_check = false;          // some item is flagged for the deferred overlap check
    std::uint64_t bytes = 0;          // their total
    detail::KeySpan span;             // of their base addresses
  };

  // Every live record into buffers.snapshot, shard by shard (each shard
  // consistent in itself). Empty shards are skipped without their lock.
  Snapshot snapshot_items(SweepBuffers& buffers) const {
    Snapshot snap;
    SweepBuffers::fit(buffers.snapshot, static_cast<std::size_t>(live_count()) + 64);
    if (buffers.scratch.words.size() > 8 * buffers.snapshot.size() + 8192) {
      std::vector<std::uint64_t>().swap(buffers.scratch.words);
    }
    for (std::size_t s = 0; s < shard_count(); ++s) {
      detail::TrackerShard& shard = shards_[s];
      if (shard.live() == 0) {
        continue;
      }
      ShardLock lock(shard);
      const std::size_t live = static_cast<std::size_t>(shard.live());
      if (VRAM_ONLY_UNLIKELY(snap.size + live > buffers.snapshot.size())) {
        buffers.snapshot.resize(2 * (snap.size + live));  // grew since live_count(): rare
      }
      SweepItem* const begin = buffers.snapshot.data();
      SweepItem* out = begin + snap.size;
      std::uint64_t any_meta = 0;  // the OR of the metas: is any deep check due?
      std::uint64_t any_base = 0;
      std::uint64_t all_base = ~std::uint64_t{0};
      shard.for_each_locked([&](std::size_t, const detail::Entry& e) {
        *out++ = SweepItem{e.base, e.bytes, e.meta};
        any_meta |= e.meta;
        any_base |= e.base;
        all_base &= e.base;
      });
      snap.size = static_cast<std::size_t>(out - begin);
      snap.deep_check |= detail::meta_deep_check(any_meta);
      snap.span.any |= any_base;
      snap.span.all &= all_base;
      snap.bytes += shard.bytes();
    }
    return snap;
  }

  // The deferred overlap check: records flagged at record time (a range
  // recorded while records two or more size classes smaller existed) are
  // checked for whole smaller records inside them; those are dropped.
  std::size_t drop_nested(const SweepItem* items, std::size_t n) {
    std::vector<const SweepItem*> candidates;
    for (std::size_t i = 0; i < n; ++i) {
      if (detail::meta_deep_check(items[i].meta)) {
        candidates.push_back(&items[i]);
      }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const SweepItem* x, const SweepItem* y) { return x->base < y->base; });
    std::vector<std::uint64_t> max_last(candidates.size());  // prefix max of last byte
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      const std::uint64_t last = candidates[k]->base + (candidates[k]->bytes - 1);
      max_last[k] = k == 0 ? last : std::max(max_last[k - 1], last);
    }
    std::size_t dropped_count = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const SweepItem& item = items[i];
      const unsigned level = detail::level_for(item.bytes);
      auto it = std::upper_bound(candidates.begin(), candidates.end(), item.base,
                                 [](std::uint64_t b, const SweepItem* c) { return b < c->base; });
      for (auto k = static_cast<std::ptrdiff_t>(it - candidates.begin()) - 1;
           k >= 0 && max_last[static_cast<std::size_t>(k)] >= item.base; --k) {
        const SweepItem& c = *candidates[static_cast<std::size_t>(k)];
        const bool inside =
            c.base <= item.base && item.base + (item.bytes - 1) <= c.base + (c.bytes - 1);
        if (inside && detail::level_for(c.bytes) >= level + 2) {
          dropped_count += drop_nested_item(item, c) ? 1u : 0u;
          break;
        }
      }
    }
    for (const SweepItem* c : candidates) {
      const KeyRef r = ref_of(*c);
      detail::TrackerShard& shard = shards_[r.shard];
      ShardLock lock(shard);
      const std::size_t i = locate_locked(shard, r, *c);
      if (i != detail::TrackerShard::npos) {
        shard.set_meta_locked(i, detail::without_deep_check(shard.entry_at(i).meta));
      }
    }
    return dropped_count;
  }

  // Drops `item` for lying inside `container`, if both are still the live
  // records the snapshot saw.
  bool drop_nested_item(const SweepItem& item, const SweepItem& container) {
    std::string container_label;
    {
      const KeyRef r = ref_of(container);
      detail::TrackerShard& shard = shards_[r.shard];
      ShardLock lock(shard);
      const std::size_t i = locate_locked(shard, r, container);
      if (i == detail::TrackerShard::npos) {
        return false;  // the container went away since the snapshot
      }
      container_label = shard.label_at(i);
    }
    Dropped d;
    {
      const KeyRef r = ref_of(item);
      detail::TrackerShard& shard = shards_[r.shard];
      ShardLock lock(shard);
      const std::size_t i = locate_locked(shard, r, item);
      if (i == detail::TrackerShard::npos) {
        return false;
      }
      d = Dropped{shard.entry_at(i), shard.label_at(i)};
      shard.erase_locked(i);
    }
    misuse(misuse_.overlapping_records,
           "record_allocation(" + format_pointer(pointer(container.base)) + " +" +
               std::to_string(container.bytes) + " bytes, " +
               std::string(to_string(detail::meta_purpose(container.meta))) +
               ", label=" + quote(container_label) + ") overlaps the live record " +
               format_pointer(pointer(d.entry.base)) + " +" + std::to_string(d.entry.bytes) +
               " bytes, " + std::string(to_string(detail::meta_purpose(d.entry.meta))) +
               ", label=" + quote(d.label) + ", which is dropped (found by the sweep)");
    return true;
  }

  // Read by every operation, written almost never: one cache line of its own.
  alignas(64) std::atomic<std::uint32_t> levels_{0};  // bit k: size class k has had records
  unsigned shard_bits_ = 0;
  unsigned shard_shift_ = 63;  // 63 - shard_bits_ (see shard_of_group)
  unsigned group_bits_[detail::kLevelCount] = {};  // per size class: granules per shard group (log2)
  std::uint64_t group_mask_[detail::kLevelCount] = {};
  std::unique_ptr<detail::TrackerShard[]> shards_;
  detail::GroupFilter filter_;    // per size class: groups that ever had a record
  detail::GroupFilter crossing_;  // per size class: granules whose records ever crossed their end
  const ResidencyOracle* oracle_;
  TrackerOptions options_;
  // Written by peak samples and misuse: away from the line above.
  alignas(64) mutable std::atomic<std::uint64_t> peak_{0};
  MisuseCounters misuse_;
  std::atomic<bool> sweep_buffers_busy_{false};  // claims sweep_buffers_ (never waited for)
  SweepBuffers sweep_buffers_;
  detail::ViolationCallbacks listeners_;
};

// The process-wide tracker (created at first use, never destroyed, so that
// threads still running during static destruction can use it).
inline VramTracker& default_tracker() {
  static VramTracker* const tracker = new VramTracker();
  return *tracker;
}

}  // namespace vram_only
