// VramTracker: every device allocation the worker made, by purpose and
// device, with exact range lookups and a residency sweep.
//
//   vram_only::VramTracker& tracker = vram_only::default_tracker();
//   cudaMalloc(&p, n);
//   tracker.record_allocation(p, n, vram_only::VramPurpose::KvCache, "kv.layer0", device);
//   tracker.record_deallocation(p);   // BEFORE cudaFree(p): freed memory reads
//   cudaFree(p);                      // as Unregistered, a dangling record
//   if (!tracker.verify_vram_residency()) { ... }   // the report converts to bool
// (DeviceAllocation, device_allocation.hpp, does both pairs of steps.)
//
// Design: the records sit in one RangeMap (detail/range_map.hpp: sorted by
// base address) behind one ReaderSlotsLock (detail/reader_slots_lock.hpp:
// readers on different cores write no shared cache line). So every lookup
// agrees with the records at that moment, and overlaps are decided when a
// range is recorded: the record before it and those based inside it are
// the only candidates; the newest record wins.
//
// Thread-safety: every member function may be called from any thread
// concurrently (the destructor excepted). No lock is held across an oracle
// (driver) call, a log call or a violation listener. Sweeps copy the
// records 64 at a time under the shared lock and query them with no lock
// held, so a record or deallocation never waits for more than one copy.
// snapshot() and usage_on_device() read every record under one shared hold
// (a state the records were in at one moment; a writer waits for one pass
// over them).
//
// Misuse never crashes and never corrupts totals; it is counted (misuse())
// and logged: a null, empty, wrapping or > 2^60-byte range, or a device
// ordinal outside -1 .. kMaxDevice, is refused; ranges overlapping a new
// record are dropped; record_deallocation(p) of anything but a live base is
// ignored (nullptr: a no-op, like cudaFree).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vram_only/allocation.hpp"
#include "vram_only/detail/range_map.hpp"
#include "vram_only/detail/reader_slots_lock.hpp"
#include "vram_only/detail/violation_callbacks.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/residency_oracle.hpp"
#include "vram_only/residency_report.hpp"
#include "vram_only/violation.hpp"
#include "vram_only/vram_purpose.hpp"

namespace vram_only {

class VramTracker;

namespace detail {
ResidencyReport sweep(const VramTracker& tracker, const ResidencyOracle& oracle,
                      const std::atomic<bool>* stop);
void publish_violation(const VramTracker& tracker, const Violation& violation);
bool cache_residency(const VramTracker& tracker, const TrackedAllocation& allocation,
                     const ResidencyVerdict& verdict);
}  // namespace detail

struct TrackerOptions {
  // Misuse reports go here; empty = the process-wide default sink.
  LogSink sink;
  // Residency answers for verify_vram_residency() and the tensor checks;
  // null = the CUDA driver (cuda_residency_oracle()). Must outlive the tracker.
  const ResidencyOracle* oracle = nullptr;
  // What a failed tensor check against this tracker does (tensor_check.hpp);
  // empty = the process default (set_tensor_check_action()).
  std::optional<ViolationAction> tensor_check_action;
};

class VramTracker {
 public:
  using ViolationListener = detail::ViolationCallbacks::Callback;

  // The largest device ordinal a record can carry.
  static constexpr int kMaxDevice = 32767;

  explicit VramTracker(TrackerOptions options = {})
      : oracle_(options.oracle != nullptr ? options.oracle : &cuda_residency_oracle()),
        options_(std::move(options)) {}

  VramTracker(const VramTracker&) = delete;
  VramTracker& operator=(const VramTracker&) = delete;

  // ---- Recording ----------------------------------------------------------

  // Records [ptr, ptr + bytes) as a live device allocation of `device` (the
  // CUDA ordinal; -1 if unknown, then no device is checked). Returns false
  // when the call is refused as misuse (see the header comment).
  bool record_allocation(const void* ptr, std::size_t bytes, VramPurpose purpose,
                         std::string_view label = {}, int device = -1) {
    const std::uint64_t a = address(ptr);
    const std::uint64_t last = a + (bytes - 1);
    if (a == 0 || bytes == 0 || bytes > kMaxBytes || last < a || device < -1 ||
        device > kMaxDevice) {
      refuse_record(ptr, bytes, purpose, label, device);
      return false;
    }
    Record record{a, bytes, 0, static_cast<std::int16_t>(device), -1,
                  static_cast<std::uint8_t>(detail::index_of(purpose)),
                  ResidencyState::Unknown, static_cast<std::uint8_t>(MemoryType::Error),
                  !label.empty()};
    std::string owned_label(label);  // allocated before the lock
    std::vector<Dropped> dropped;    // stays empty (no allocation) unless misused
    {
      std::unique_lock<detail::ReaderSlotsLock> lock(mutex_);
      record.id = next_id_++;
      records_.erase_overlapping(a, last, [&](const Record& old) {
        dropped.push_back(Dropped{old, take_label_locked(old)});
        count_locked(old, -1);
      });
      records_.insert(record);
      if (record.labelled) {
        labels_.emplace(record.id, std::move(owned_label));
      }
      count_locked(record, +1);
    }
    for (const Dropped& d : dropped) {
      report_dropped(record, label, d);
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
    {
      std::unique_lock<detail::ReaderSlotsLock> lock(mutex_);
      Record old;
      if (records_.erase(a, &old)) {
        if (old.labelled) {
          labels_.erase(old.id);
        }
        count_locked(old, -1);
        return true;
      }
    }
    unknown_deallocation(ptr);
    return false;
  }

  // ---- Lookups ------------------------------------------------------------

  // The live allocation containing ptr (any interior pointer), if any. No
  // driver call.
  std::optional<TrackedAllocation> find(const void* ptr) const noexcept {
    std::shared_lock<detail::ReaderSlotsLock> lock(mutex_);
    const Record* r = records_.find(address(ptr));
    return r != nullptr ? std::optional<TrackedAllocation>(to_tracked(*r)) : std::nullopt;
  }

  // Like find(), with the label.
  std::optional<AllocationInfo> describe(const void* ptr) const {
    std::shared_lock<detail::ReaderSlotsLock> lock(mutex_);
    const Record* r = records_.find(address(ptr));
    if (r == nullptr) {
      return std::nullopt;
    }
    return to_info_locked(*r);
  }

  // Every live allocation, in address order: the records as they were at
  // one moment (read under one shared hold).
  std::vector<AllocationInfo> snapshot() const {
    std::vector<AllocationInfo> all;
    for_each_record([&](const Record& r) { all.push_back(to_info_locked(r)); });
    return all;
  }

  // ---- Totals (exact) -----------------------------------------------------

  std::uint64_t total_usage() const noexcept { return load(total_bytes_); }
  std::uint64_t usage(VramPurpose purpose) const noexcept {
    return load(purpose_bytes_[detail::index_of(purpose)]);
  }
  std::uint64_t live_count() const noexcept { return load(live_); }
  std::uint64_t peak_usage() const noexcept { return load(peak_bytes_); }

  // Bytes recorded with this device ordinal (-1: recorded without a device).
  std::uint64_t usage_on_device(int device) const {
    std::uint64_t total = 0;
    for_each_record([&](const Record& r) { total += r.device == device ? r.bytes : 0; });
    return total;
  }

  MisuseCounts misuse() const {
    std::lock_guard<std::mutex> lock(misuse_mutex_);
    return misuse_;
  }

  // ---- Residency ----------------------------------------------------------

  // Asks the oracle (the CUDA driver unless TrackerOptions::oracle says
  // otherwise) about every tracked allocation, in address order, and
  // reports each one that is not device memory, is device memory of another
  // device than recorded (WrongDevice), or cannot be determined.
  // Allocations recorded or freed while it runs may or may not be checked.
  ResidencyReport verify_vram_residency() const { return sweep(*oracle_, nullptr); }
  ResidencyReport verify_vram_residency(const ResidencyOracle& oracle) const {
    return sweep(oracle, nullptr);
  }

  const ResidencyOracle& oracle() const noexcept { return *oracle_; }
  const LogSink& sink() const noexcept { return options_.sink; }
  const TrackerOptions& options() const noexcept { return options_; }

  // ---- Violation listeners (HealthMonitor attaches itself here) -----------

  // Listeners hear about violations found outside a monitor's own sweeps
  // (tensor checks with ViolationAction::ReportAndMarkUnhealthy). They run
  // on the reporting thread with no tracker lock held (see
  // detail/violation_callbacks.hpp for what they may do).
  std::uint64_t add_violation_listener(ViolationListener listener) {
    return listeners_.add(std::move(listener));
  }

  // Waits for calls in flight, so the listener is never called afterwards.
  void remove_violation_listener(std::uint64_t id) { listeners_.remove(id); }

 private:
  friend ResidencyReport detail::sweep(const VramTracker&, const ResidencyOracle&,
                                       const std::atomic<bool>*);
  friend void detail::publish_violation(const VramTracker&, const Violation&);
  friend bool detail::cache_residency(const VramTracker&, const TrackedAllocation&,
                                      const ResidencyVerdict&);

  static constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 60;
  static constexpr std::size_t kBatch = 64;  // records copied per shared-lock hold

  struct Record {  // 32 bytes, trivially copyable
    std::uint64_t base;
    std::uint64_t bytes;
    std::uint64_t id;  // 1, 2, ... in recording order
    std::int16_t device;
    std::int16_t reported_device;  // WrongDevice: where CUDA says it is
    std::uint8_t purpose;
    ResidencyState residency;
    std::uint8_t memory_type;  // MemoryType, meaningful when NotResident
    bool labelled;             // has an entry in labels_
  };

  struct Dropped {
    Record record;
    std::string label;
  };

  static std::uint64_t address(const void* p) noexcept {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
  }
  static const void* pointer(std::uint64_t a) noexcept {
    return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(a));
  }
  static std::uint64_t load(const std::atomic<std::uint64_t>& v) noexcept {
    return v.load(std::memory_order_relaxed);
  }

  static TrackedAllocation to_tracked(const Record& r) noexcept {
    TrackedAllocation t;
    t.base = pointer(r.base);
    t.bytes = static_cast<std::size_t>(r.bytes);
    t.purpose = static_cast<VramPurpose>(r.purpose);
    t.device = r.device;
    t.id = r.id;
    t.residency = r.residency;
    t.memory_type = static_cast<MemoryType>(r.memory_type);
    t.reported_device = r.reported_device;
    return t;
  }

  AllocationInfo to_info_locked(const Record& r) const {
    AllocationInfo info;
    static_cast<TrackedAllocation&>(info) = to_tracked(r);
    if (r.labelled) {
      info.label = labels_.at(r.id);
    }
    return info;
  }

  std::string take_label_locked(const Record& r) {
    if (!r.labelled) {
      return {};
    }
    auto it = labels_.find(r.id);
    std::string label = std::move(it->second);
    labels_.erase(it);
    return label;
  }

  // Totals change under the exclusive lock, so they (and the peak) are exact;
  // readers load them without a lock.
  void count_locked(const Record& r, int sign) noexcept {
    const std::uint64_t delta = sign > 0 ? r.bytes : 0 - r.bytes;
    const std::uint64_t total = load(total_bytes_) + delta;
    total_bytes_.store(total, std::memory_order_relaxed);
    auto& purpose = purpose_bytes_[r.purpose];
    purpose.store(load(purpose) + delta, std::memory_order_relaxed);
    live_.store(load(live_) + static_cast<std::uint64_t>(sign), std::memory_order_relaxed);
    if (total > load(peak_bytes_)) {
      peak_bytes_.store(total, std::memory_order_relaxed);
    }
  }

  // Calls f(record) for every record in address order, all under one
  // shared hold: what f sees is the records at one moment. (Copying them a
  // batch at a time would let writers in between, and a snapshot could show
  // a range freed before a later batch and its overlapping successor, two
  // ranges that never coexisted.)
  template <class F>
  void for_each_record(F&& f) const {
    std::shared_lock<detail::ReaderSlotsLock> lock(mutex_);
    records_.visit_from(0, ~std::size_t{0}, f);
  }

  // The sweep behind verify_vram_residency() and HealthMonitor: stops early
  // (report.complete == false) when *stop becomes true.
  ResidencyReport sweep(const ResidencyOracle& oracle, const std::atomic<bool>* stop) const {
    const auto started = std::chrono::steady_clock::now();
    ResidencyReport report;
    Record batch[kBatch];
    ResidencyVerdict verdicts[kBatch];
    std::uint64_t from = 0;
    for (bool more = true; more;) {
      if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
        report.complete = false;
        break;
      }
      std::size_t n = 0;
      {
        std::shared_lock<detail::ReaderSlotsLock> lock(mutex_);
        n = records_.visit_from(from, kBatch, [&](const Record& r) { batch[n++] = r; });
      }
      more = n == kBatch && batch[n - 1].base != ~std::uint64_t{0};
      from = n > 0 ? batch[n - 1].base + 1 : from;
      std::size_t settle[kBatch];  // the records whose verdict differs from their cache
      std::size_t count = 0;
      for (std::size_t k = 0; k < n; ++k) {
        verdicts[k] = oracle.query(pointer(batch[k].base));
        const ResidencyState state = state_of(batch[k], verdicts[k]);
        if (state != batch[k].residency || state != ResidencyState::Resident) {
          settle[count++] = k;
        }
      }
      report.checked += n;
      if (count != 0) {
        settle_batch(batch, verdicts, settle, count, report);
      }
    }
    report.duration = std::chrono::steady_clock::now() - started;
    return report;
  }

  // What a verdict means for a record.
  static ResidencyState state_of(const Record& r, const ResidencyVerdict& v) noexcept {
    if (!v.resident()) {
      return v.memory_type == MemoryType::Error ? ResidencyState::Unknown
                                                : ResidencyState::NotResident;
    }
    return r.device >= 0 && v.device >= 0 && v.device != r.device ? ResidencyState::WrongDevice
                                                                   : ResidencyState::Resident;
  }

  // Caches the batch's verdicts in the records that are still live (same
  // id) and reports the violations among them.
  void settle_batch(const Record* batch, const ResidencyVerdict* verdicts,
                    const std::size_t* settle, std::size_t count, ResidencyReport& report) const {
    std::vector<std::pair<std::size_t, std::string>> violating;  // index, label
    {
      std::unique_lock<detail::ReaderSlotsLock> lock(mutex_);
      for (std::size_t i = 0; i < count; ++i) {
        const std::size_t k = settle[i];
        Record* live = records_.find_base(batch[k].base);
        if (live == nullptr || live->id != batch[k].id) {
          continue;  // freed while we asked: not a violation
        }
        const ResidencyState state = state_of(*live, verdicts[k]);
        if (state != ResidencyState::Unknown) {  // failed queries are not cached
          set_state_locked(*live, state, verdicts[k]);
        }
        if (state != ResidencyState::Resident) {
          violating.emplace_back(k, live->labelled ? labels_.at(live->id) : std::string());
        }
      }
    }
    for (auto& [k, label] : violating) {
      const Record& r = batch[k];
      report.query_failures += verdicts[k].memory_type == MemoryType::Error ? 1 : 0;
      report.violations.push_back(detail::make_violation(
          verdicts[k], pointer(r.base), static_cast<std::size_t>(r.bytes),
          static_cast<VramPurpose>(r.purpose), std::move(label), r.device, r.id));
    }
  }

  static void set_state_locked(Record& r, ResidencyState state,
                               const ResidencyVerdict& verdict) noexcept {
    r.residency = state;
    r.memory_type = static_cast<std::uint8_t>(verdict.memory_type);
    r.reported_device = static_cast<std::int16_t>(
        std::clamp(verdict.device, -1, static_cast<int>(kMaxDevice)));
  }

  // A tensor check's verdict for a record (false when it is gone or the
  // query failed: failed queries are not cached).
  bool cache_residency(const TrackedAllocation& t, const ResidencyVerdict& verdict) const {
    std::unique_lock<detail::ReaderSlotsLock> lock(mutex_);
    Record* live = records_.find_base(address(t.base));
    if (live == nullptr || live->id != t.id) {
      return false;
    }
    const ResidencyState state = state_of(*live, verdict);
    if (state == ResidencyState::Unknown) {
      return false;
    }
    set_state_locked(*live, state, verdict);
    return true;
  }

  void publish(const Violation& violation) const {
    listeners_.call(&violation, &violation + 1, options_.sink,
                    "a violation listener threw; ignored");
  }

  void misuse(std::uint64_t MisuseCounts::*counter, const std::string& message) const {
    {
      std::lock_guard<std::mutex> lock(misuse_mutex_);
      ++(misuse_.*counter);
    }
    log_to(options_.sink, LogLevel::Warning, "tracker misuse: " + message);
  }

  static std::string record_text(const void* ptr, std::uint64_t bytes, VramPurpose purpose,
                                 std::string_view label) {
    return detail::format_pointer(ptr) + " +" + std::to_string(bytes) + " bytes, " +
           std::string(to_string(purpose)) + ", label=" + detail::quote(label);
  }

  void report_dropped(const Record& now, std::string_view label, const Dropped& d) const {
    const std::string now_text =
        record_text(pointer(now.base), now.bytes, static_cast<VramPurpose>(now.purpose), label);
    const std::string old_text = record_text(pointer(d.record.base), d.record.bytes,
                                             static_cast<VramPurpose>(d.record.purpose), d.label);
    if (d.record.base == now.base) {
      misuse(&MisuseCounts::double_records, "record_allocation(" + now_text +
                                         "): the pointer is already recorded (" + old_text +
                                         "); the old record is replaced");
    } else {
      misuse(&MisuseCounts::overlapping_records, "record_allocation(" + now_text +
                                              ") overlaps the live record " + old_text +
                                              ", which is dropped");
    }
  }

  void refuse_record(const void* ptr, std::size_t bytes, VramPurpose purpose,
                     std::string_view label, int device) const {
    const std::string what =
        "record_allocation(" + record_text(ptr, bytes, purpose, label) +
        ", device " + std::to_string(device) + ") refused: ";
    const std::uint64_t a = address(ptr);
    if (ptr == nullptr) {
      misuse(&MisuseCounts::null_records, what + "null pointer");
    } else if (bytes == 0) {
      misuse(&MisuseCounts::zero_byte_records, what + "zero bytes");
    } else if (bytes > kMaxBytes || a + (bytes - 1) < a) {
      misuse(&MisuseCounts::invalid_ranges,
             what + "the range wraps around the address space or exceeds 2^60 bytes");
    } else {
      misuse(&MisuseCounts::invalid_devices, what + "device ordinal " + std::to_string(device) +
                                          " is outside -1 (unknown) .. " +
                                          std::to_string(kMaxDevice));
    }
  }

  void unknown_deallocation(const void* ptr) const {
    std::string message = "record_deallocation(" + detail::format_pointer(ptr) +
                          ") ignored: not the base address of a live tracked allocation";
    if (const auto inside = describe(ptr)) {
      message += " (it lies inside " +
                 record_text(inside->base, inside->bytes, inside->purpose, inside->label) + ")";
    }
    misuse(&MisuseCounts::unknown_deallocations, message);
  }

  const ResidencyOracle* oracle_;
  TrackerOptions options_;

  mutable detail::ReaderSlotsLock mutex_;
  // Guarded by mutex_ (residency caches are written under it from const
  // members: sweeps and checks are logically const).
  mutable detail::RangeMap<Record> records_;
  std::unordered_map<std::uint64_t, std::string> labels_;  // of labelled records, by id
  std::uint64_t next_id_ = 1;

  // Written under mutex_ (exclusive), read without it.
  std::atomic<std::uint64_t> total_bytes_{0};
  std::atomic<std::uint64_t> purpose_bytes_[kVramPurposeCount] = {};
  std::atomic<std::uint64_t> live_{0};
  std::atomic<std::uint64_t> peak_bytes_{0};

  mutable std::mutex misuse_mutex_;  // misuse is rare: a plain mutex
  mutable MisuseCounts misuse_;
  detail::ViolationCallbacks listeners_;
};

namespace detail {

// The monitor's sweep: verify_vram_residency(oracle) that stops early
// (report.complete == false) once *stop is true.
inline ResidencyReport sweep(const VramTracker& tracker, const ResidencyOracle& oracle,
                             const std::atomic<bool>* stop) {
  return tracker.sweep(oracle, stop);
}

// Hands a violation found outside a sweep to the tracker's listeners.
inline void publish_violation(const VramTracker& tracker, const Violation& violation) {
  tracker.publish(violation);
}

// Caches a tensor check's verdict in the live record `allocation`.
inline bool cache_residency(const VramTracker& tracker, const TrackedAllocation& allocation,
                            const ResidencyVerdict& verdict) {
  return tracker.cache_residency(allocation, verdict);
}

}  // namespace detail

// The process-wide tracker (created at first use, never destroyed, so that
// threads still running during static destruction can use it).
inline VramTracker& default_tracker() {
  static VramTracker* const tracker = new VramTracker();
  return *tracker;
}

}  // namespace vram_only
