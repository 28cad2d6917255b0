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
// - Records live in shards (256 by default) chosen by a hash of
//   (size class, granule of the base address); each shard is a small hash
//   table under its own sequence lock (detail/tracker_shard.hpp) with its
//   own byte and count counters. There is no global lock and no global
//   counter written per record; totals are sums over the shards at query
//   time (each shard's part is exact; under concurrent changes the sum
//   combines shard values from slightly different moments).
// - Range lookup (find) uses size classes (detail/size_class.hpp): it
//   probes two granules per non-empty size class, with optimistic reads
//   that take no lock.
// - Sweeps copy the records shard by shard (a few words each), release the
//   lock, ask the oracle (the CUDA driver) about each base address, and only
//   report a violation after confirming, under the shard lock, that the very
//   same record (same sequence number) is still live. No tracker lock is
//   ever held across a driver call. Record the deallocation BEFORE freeing
//   the memory: a record whose memory is already freed reads as
//   Unregistered and is a violation (a dangling record), which is exactly
//   what the sweep is for.
//
// Misuse never crashes and never corrupts totals; it is counted (misuse())
// and logged through the sink:
// - record_allocation(nullptr | 0 bytes | wrapping range | > 2^60 bytes):
//   ignored.
// - a range that overlaps live records (including the same base recorded
//   twice): the new record wins, the old overlapping records are dropped.
//   Overlaps are found immediately, except one case: a new range that
//   swallows whole records at least two size classes smaller (>= 4096x
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
// default), every 256th change of each shard, every query of total_usage()
// / peak_usage() and every sweep. It is exact for single-threaded use when
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
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vram_only/allocation.hpp"
#include "vram_only/detail/record_meta.hpp"
#include "vram_only/detail/size_class.hpp"
#include "vram_only/detail/tracker_shard.hpp"
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
};

class VramTracker {
 public:
  using ViolationListener = std::function<void(const Violation&)>;

  explicit VramTracker(TrackerOptions options = {})
      : options_(std::move(options)),
        oracle_(options_.oracle != nullptr ? options_.oracle : &cuda_residency_oracle()) {
    unsigned bits = 0;
    while ((1u << bits) < options_.shard_count && bits < 12) {
      ++bits;
    }
    shard_bits_ = bits;
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
    if (a == 0) {
      misuse(misuse_.null_records, "record_allocation(nullptr, " + std::to_string(bytes) +
                                       " bytes, " + std::string(to_string(purpose)) +
                                       ", label=" + quote(label) + ") ignored: null pointer");
      return false;
    }
    if (bytes == 0) {
      misuse(misuse_.zero_byte_records, "record_allocation(" + format_pointer(ptr) +
                                            ", 0 bytes, " + std::string(to_string(purpose)) +
                                            ", label=" + quote(label) +
                                            ") ignored: zero bytes");
      return false;
    }
    if (bytes > detail::kMaxTrackedBytes || a + (bytes - 1) < a) {
      misuse(misuse_.invalid_ranges,
             "record_allocation(" + format_pointer(ptr) + ", " + std::to_string(bytes) +
                 " bytes, label=" + quote(label) +
                 ") ignored: the range wraps around the address space or exceeds 2^60 bytes");
      return false;
    }
    const std::uint64_t last = a + (bytes - 1);
    const unsigned level = detail::level_for(bytes);
    const std::uint32_t mask = mark_level(level);
    const bool deep_check = level >= 2 && (mask & ((1u << (level - 1)) - 1)) != 0;
    std::string owned_label(label);  // allocate before touching any shard

    std::vector<Dropped> dropped;  // stays empty (no allocation) unless misused
    const std::uint64_t own_key = detail::make_key(level, detail::granule_of(a, level));
    for_each_level(mask, [&](unsigned j) {
      const std::uint64_t g_first = detail::granule_of(a, j);
      const std::uint64_t g_last = detail::granule_of(last, j);
      const std::uint64_t g_begin = g_first > 0 ? g_first - 1 : 0;
      if (j + 1 >= level) {
        // Records of this level are at least 1/64 of the new size: probe
        // every granule a record intersecting [a, last] can start in.
        for (std::uint64_t g = g_begin; g <= g_last; ++g) {
          if (detail::make_key(j, g) != own_key) {
            drop_intersecting(detail::make_key(j, g), a, last, dropped);
          }
        }
      } else {
        // Much smaller records: those containing either end. Whole records
        // inside are left to the next sweep (deep_check flag).
        drop_intersecting(detail::make_key(j, g_begin), a, last, dropped);
        if (g_first != g_begin) {
          drop_intersecting(detail::make_key(j, g_first), a, last, dropped);
        }
        if (g_last > g_first) {
          if (g_last - 1 > g_first) {
            drop_intersecting(detail::make_key(j, g_last - 1), a, last, dropped);
          }
          drop_intersecting(detail::make_key(j, g_last), a, last, dropped);
        }
      }
    });

    const std::uint64_t hash = detail::hash_key(own_key);
    const std::size_t shard_index = shard_of(hash);
    detail::TrackerShard& shard = shards_[shard_index];
    bool sample = bytes >= options_.peak_sample_bytes;
    {
      ShardLock lock(shard);
      drop_intersecting_locked(shard, own_key, hash, a, last, dropped);
      shard.reserve_one_locked();
      const std::uint64_t meta =
          detail::pack_meta(device, purpose, shard.next_seq(), deep_check);
      shard.insert_locked(detail::Entry{own_key, a, bytes, meta}, hash, std::move(owned_label));
      sample = (++shard.ops_since_peak_sample() % kPeakSamplePeriod == 0) || sample;
    }
    if (!dropped.empty()) {
      report_dropped(ptr, bytes, purpose, label, dropped);
    }
    if (sample) {
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
    const std::uint32_t mask = levels_.load(std::memory_order_acquire);
    const bool single_level = (mask & (mask - 1)) == 0;
    const auto is_base = [a](const detail::Entry& e) { return e.base == a; };
    bool removed = false;
    bool sample = false;
    for_each_level(mask, [&](unsigned j) {
      if (removed) {
        return;
      }
      const std::uint64_t key = detail::make_key(j, detail::granule_of(a, j));
      const std::uint64_t hash = detail::hash_key(key);
      detail::TrackerShard& shard = shards_[shard_of(hash)];
      detail::Entry seen;
      if (!single_level && !shard.find(key, hash, is_base, &seen)) {
        return;
      }
      ShardLock lock(shard);
      const std::size_t i = shard.find_locked(key, hash, is_base);
      if (i != detail::TrackerShard::npos) {
        shard.erase_locked(i);
        removed = true;
        sample = ++shard.ops_since_peak_sample() % kPeakSamplePeriod == 0;
      }
    });
    if (removed) {
      if (sample) {
        sample_peak();
      }
      return true;
    }
    std::string message = "record_deallocation(" + format_pointer(ptr) +
                          ") ignored: not the base address of a live tracked allocation";
    if (const auto inside = describe(ptr)) {
      message += " (it lies inside " + format_pointer(inside->base) + " +" +
                 std::to_string(inside->bytes) + " bytes, " +
                 std::string(to_string(inside->purpose)) + ", label=" + quote(inside->label) + ")";
    }
    misuse(misuse_.unknown_deallocations, message);
    return false;
  }

  // ---- Lookups ------------------------------------------------------------

  // The live allocation containing ptr (any interior pointer), if any.
  // Lock-free; no driver call.
  std::optional<TrackedAllocation> find(const void* ptr) const noexcept {
    const std::uint64_t a = address(ptr);
    const std::uint32_t mask = levels_.load(std::memory_order_acquire);
    if (a == 0 || mask == 0) {
      return std::nullopt;
    }
    const auto contains = [a](const detail::Entry& e) { return a - e.base < e.bytes; };
    detail::Entry found;
    bool hit = false;
    for (std::uint32_t m = mask; m != 0 && !hit; m &= m - 1) {
      const unsigned j = static_cast<unsigned>(__builtin_ctz(m));
      const std::uint64_t g = detail::granule_of(a, j);
      hit = probe(detail::make_key(j, g), contains, &found) ||
            (g > 0 && probe(detail::make_key(j, g - 1), contains, &found));
    }
    if (!hit) {
      return std::nullopt;
    }
    return to_tracked(found);
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
  std::uint64_t usage_on_device(int device) const {
    if (device >= -1 && device < detail::kCountedDevices) {
      return sum([device](const detail::TrackerShard& s) { return s.device_bytes(device); });
    }
    std::uint64_t total = 0;  // rare ordinals: count by scanning
    for (const auto& info : snapshot()) {
      total += info.device == device ? info.bytes : 0;
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
    std::vector<SweepItem> items;
    items.reserve(static_cast<std::size_t>(live_count()) + 64);
    for (std::size_t s = 0; s < shard_count(); ++s) {
      detail::TrackerShard& shard = shards_[s];
      ShardLock lock(shard);
      shard.for_each_locked([&](std::size_t, const detail::Entry& e) {
        items.push_back(SweepItem{e, static_cast<std::uint32_t>(s)});
      });
    }
    std::size_t deep_candidates = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (stop != nullptr && (i & 63) == 0 && stop->load(std::memory_order_relaxed)) {
        report.complete = false;
        break;
      }
      const SweepItem& item = items[i];
      deep_candidates += detail::meta_deep_check(item.entry.meta) ? 1 : 0;
      const ResidencyVerdict verdict = oracle.query(pointer(item.entry.base));
      ++report.checked;
      if (verdict.resident()) {
        if (detail::meta_residency(item.entry.meta) != ResidencyState::Resident) {
          set_residency(item, ResidencyState::Resident, MemoryType::Device);
        }
        continue;
      }
      if (auto violation = confirm_violation(item, verdict)) {
        report.query_failures += verdict.memory_type == MemoryType::Error ? 1 : 0;
        report.violations.push_back(std::move(*violation));
      }
    }
    if (report.complete && deep_candidates > 0) {
      report.overlaps_dropped = drop_nested(items);
    }
    total_usage();  // samples the peak
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
    const std::uint64_t base = address(allocation.base);
    const unsigned level = detail::level_for(allocation.bytes);
    const std::uint64_t key = detail::make_key(level, detail::granule_of(base, level));
    const std::uint64_t hash = detail::hash_key(key);
    const std::uint64_t seq = allocation.id >> shard_bits_;
    detail::TrackerShard& shard = shards_[shard_of(hash)];
    ShardLock lock(shard);
    const std::size_t i = shard.find_locked(key, hash, [&](const detail::Entry& e) {
      return e.base == base && detail::meta_seq(e.meta) == seq;
    });
    if (i == detail::TrackerShard::npos) {
      return false;
    }
    const auto state = verdict.resident() ? ResidencyState::Resident : ResidencyState::NotResident;
    shard.set_meta_locked(i, detail::with_residency(shard.entry_at(i).meta, state, verdict.memory_type));
    return true;
  }

  const ResidencyOracle& oracle() const noexcept { return *oracle_; }
  const LogSink& sink() const noexcept { return options_.sink; }

  // ---- Violation listeners (HealthMonitor attaches itself here) -----------

  // Listeners hear about violations found outside a monitor's own sweeps
  // (tensor checks with ViolationAction::ReportAndMarkUnhealthy). They are
  // called on the reporting thread and must not add or remove listeners.
  std::uint64_t add_violation_listener(ViolationListener listener) {
    std::unique_lock<std::shared_mutex> lock(listeners_mutex_);
    const std::uint64_t id = ++next_listener_id_;
    listeners_.emplace_back(id, std::move(listener));
    return id;
  }

  // Waits for calls in flight, so the listener is never called afterwards.
  void remove_violation_listener(std::uint64_t id) {
    std::unique_lock<std::shared_mutex> lock(listeners_mutex_);
    listeners_.erase(std::remove_if(listeners_.begin(), listeners_.end(),
                                    [id](const auto& l) { return l.first == id; }),
                     listeners_.end());
  }

  void publish_violation(const Violation& violation) const {
    std::shared_lock<std::shared_mutex> lock(listeners_mutex_);
    for (const auto& listener : listeners_) {
      try {
        listener.second(violation);
      } catch (...) {
        log_to(options_.sink, LogLevel::Error, "a violation listener threw; ignored");
      }
    }
  }

 private:
  static constexpr unsigned kPeakSamplePeriod = 256;

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

  struct SweepItem {
    detail::Entry entry;
    std::uint32_t shard;
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

  std::size_t shard_of(std::uint64_t hash) const noexcept {
    return shard_bits_ == 0 ? 0 : static_cast<std::size_t>(hash >> (64 - shard_bits_));
  }

  template <class F>
  static void for_each_level(std::uint32_t mask, F&& f) {
    for (std::uint32_t m = mask; m != 0; m &= m - 1) {
      f(static_cast<unsigned>(__builtin_ctz(m)));
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

  template <class Pred>
  bool probe(std::uint64_t key, Pred&& pred, detail::Entry* out) const noexcept {
    const std::uint64_t hash = detail::hash_key(key);
    return shards_[shard_of(hash)].find(key, hash, pred, out);
  }

  template <class Get>
  std::uint64_t sum(Get&& get) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < shard_count(); ++s) {
      total += get(shards_[s]);
    }
    return total;
  }

  TrackedAllocation to_tracked(const detail::Entry& e) const noexcept {
    return to_tracked(e, shard_of(detail::hash_key(e.key)));
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
    const std::uint64_t base = address(hit.base);
    const unsigned level = detail::level_for(hit.bytes);
    const std::uint64_t key = detail::make_key(level, detail::granule_of(base, level));
    const std::uint64_t hash = detail::hash_key(key);
    const std::uint64_t seq = hit.id >> shard_bits_;
    detail::TrackerShard& shard = shards_[shard_of(hash)];
    ShardLock lock(shard);
    const std::size_t i = shard.find_locked(key, hash, [&](const detail::Entry& e) {
      return e.base == base && detail::meta_seq(e.meta) == seq;
    });
    if (i == detail::TrackerShard::npos) {
      return std::nullopt;
    }
    AllocationInfo info;
    static_cast<TrackedAllocation&>(info) = to_tracked(shard.entry_at(i));
    info.label = shard.label_at(i);
    return info;
  }

  void drop_intersecting(std::uint64_t key, std::uint64_t a, std::uint64_t last,
                         std::vector<Dropped>& dropped) {
    const std::uint64_t hash = detail::hash_key(key);
    detail::TrackerShard& shard = shards_[shard_of(hash)];
    detail::Entry seen;
    const auto intersects = [a, last](const detail::Entry& e) {
      return e.base <= last && a <= e.base + (e.bytes - 1);
    };
    if (!shard.find(key, hash, intersects, &seen)) {
      return;  // the common case: nothing there, nothing written
    }
    ShardLock lock(shard);
    drop_intersecting_locked(shard, key, hash, a, last, dropped);
  }

  static void drop_intersecting_locked(detail::TrackerShard& shard, std::uint64_t key,
                                       std::uint64_t hash, std::uint64_t a, std::uint64_t last,
                                       std::vector<Dropped>& dropped) {
    const auto intersects = [a, last](const detail::Entry& e) {
      return e.base <= last && a <= e.base + (e.bytes - 1);
    };
    for (;;) {
      const std::size_t i = shard.find_locked(key, hash, intersects);
      if (i == detail::TrackerShard::npos) {
        return;
      }
      dropped.push_back(Dropped{shard.entry_at(i), shard.label_at(i)});
      shard.erase_locked(i);
    }
  }

  void report_dropped(const void* ptr, std::size_t bytes, VramPurpose purpose,
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
  std::size_t locate_locked(detail::TrackerShard& shard, const detail::Entry& entry) const noexcept {
    const std::uint64_t seq = detail::meta_seq(entry.meta);
    return shard.find_locked(entry.key, detail::hash_key(entry.key),
                             [&](const detail::Entry& e) {
                               return e.base == entry.base && detail::meta_seq(e.meta) == seq;
                             });
  }

  void set_residency(const SweepItem& item, ResidencyState state, MemoryType type) {
    detail::TrackerShard& shard = shards_[item.shard];
    ShardLock lock(shard);
    const std::size_t i = locate_locked(shard, item.entry);
    if (i != detail::TrackerShard::npos) {
      shard.set_meta_locked(i, detail::with_residency(shard.entry_at(i).meta, state, type));
    }
  }

  std::optional<Violation> confirm_violation(const SweepItem& item,
                                             const ResidencyVerdict& verdict) {
    std::string label;
    {
      detail::TrackerShard& shard = shards_[item.shard];
      ShardLock lock(shard);
      const std::size_t i = locate_locked(shard, item.entry);
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
    const detail::Entry& e = item.entry;
    return make_violation(verdict, pointer(e.base), static_cast<std::size_t>(e.bytes),
                          detail::meta_purpose(e.meta), std::move(label),
                          detail::meta_device(e.meta),
                          detail::meta_seq(e.meta) << shard_bits_ | item.shard);
  }

  // The deferred overlap check: records flagged at record time (a range
  // recorded while records two or more size classes smaller existed) are
  // checked for whole smaller records inside them; those are dropped.
  std::size_t drop_nested(const std::vector<SweepItem>& items) {
    std::vector<const SweepItem*> candidates;
    for (const SweepItem& item : items) {
      if (detail::meta_deep_check(item.entry.meta)) {
        candidates.push_back(&item);
      }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const SweepItem* x, const SweepItem* y) { return x->entry.base < y->entry.base; });
    std::vector<std::uint64_t> max_last(candidates.size());  // prefix max of last byte
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      const std::uint64_t last = candidates[k]->entry.base + (candidates[k]->entry.bytes - 1);
      max_last[k] = k == 0 ? last : std::max(max_last[k - 1], last);
    }
    std::size_t dropped_count = 0;
    for (const SweepItem& item : items) {
      const detail::Entry& e = item.entry;
      const unsigned level = detail::level_of_key(e.key);
      auto it = std::upper_bound(candidates.begin(), candidates.end(), e.base,
                                 [](std::uint64_t b, const SweepItem* c) { return b < c->entry.base; });
      for (auto k = static_cast<std::ptrdiff_t>(it - candidates.begin()) - 1;
           k >= 0 && max_last[static_cast<std::size_t>(k)] >= e.base; --k) {
        const detail::Entry& c = candidates[static_cast<std::size_t>(k)]->entry;
        const bool inside = c.base <= e.base && e.base + (e.bytes - 1) <= c.base + (c.bytes - 1);
        if (inside && detail::level_of_key(c.key) >= level + 2) {
          dropped_count += drop_nested_item(item, c) ? 1 : 0;
          break;
        }
      }
    }
    for (const SweepItem* c : candidates) {
      detail::TrackerShard& shard = shards_[c->shard];
      ShardLock lock(shard);
      const std::size_t i = locate_locked(shard, c->entry);
      if (i != detail::TrackerShard::npos) {
        shard.set_meta_locked(i, detail::without_deep_check(shard.entry_at(i).meta));
      }
    }
    return dropped_count;
  }

  bool drop_nested_item(const SweepItem& item, const detail::Entry& container) {
    Dropped d;
    {
      detail::TrackerShard& shard = shards_[item.shard];
      ShardLock lock(shard);
      const std::size_t i = locate_locked(shard, item.entry);
      if (i == detail::TrackerShard::npos) {
        return false;
      }
      d = Dropped{shard.entry_at(i), shard.label_at(i)};
      shard.erase_locked(i);
    }
    std::string container_label;
    if (const auto info = describe(pointer(container.base)); info && address(info->base) == container.base) {
      container_label = info->label;
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

  TrackerOptions options_;
  const ResidencyOracle* oracle_;
  unsigned shard_bits_ = 0;
  std::unique_ptr<detail::TrackerShard[]> shards_;
  std::atomic<std::uint32_t> levels_{0};  // bit k: size class k has had records
  mutable std::atomic<std::uint64_t> peak_{0};
  MisuseCounters misuse_;
  mutable std::shared_mutex listeners_mutex_;
  std::uint64_t next_listener_id_ = 0;
  std::vector<std::pair<std::uint64_t, ViolationListener>> listeners_;
};

// The process-wide tracker (created at first use, never destroyed, so that
// threads still running during static destruction can use it).
inline VramTracker& default_tracker() {
  static VramTracker* const tracker = new VramTracker();
  return *tracker;
}

}  // namespace vram_only
