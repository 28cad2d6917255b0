// The two baselines the tracker is measured against, compiled into the same
// benchmark binary:
// - MutexMapTracker: the obvious tracker, std::mutex + std::unordered_map
//   keyed by base address. It can only look up base addresses; its lookup
//   benchmark therefore measures exact-key lookups (a cheaper task than the
//   interior-pointer range lookup of VramTracker).
// - SharedMutexMapTracker: an ordered map under std::shared_mutex, the
//   design of RMM's tracking_resource_adaptor; range lookups via upper_bound.
// - ReaderSlotsMapTracker: a candidate for VramTracker measured next to it
//   (issue 12): the same ReaderSlotsLock, with a std::map keyed by base
//   instead of the RangeMap's sorted blocks.
// All keep the same per-record fields and totals as VramTracker does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <vram_only/detail/reader_slots_lock.hpp>
#include <vram_only/vram_purpose.hpp>

namespace vram_only::bench {

struct BaselineRecord {
  std::size_t bytes;
  VramPurpose purpose;
  int device;
  std::string label;
};

class MutexMapTracker {
 public:
  bool record_allocation(const void* p, std::size_t bytes, VramPurpose purpose, int device = -1) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto [it, inserted] = map_.try_emplace(key(p), BaselineRecord{bytes, purpose, device, {}});
    if (inserted) {
      total_ += bytes;
    }
    return inserted;
  }

  bool record_deallocation(const void* p) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = map_.find(key(p));
    if (it == map_.end()) {
      return false;
    }
    total_ -= it->second.bytes;
    map_.erase(it);
    return true;
  }

  // Exact base-address lookup only.
  std::optional<std::size_t> find(const void* p) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = map_.find(key(p));
    if (it == map_.end()) {
      return std::nullopt;
    }
    return it->second.bytes;
  }

 private:
  static std::uintptr_t key(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  mutable std::mutex mutex_;
  std::unordered_map<std::uintptr_t, BaselineRecord> map_;
  std::uint64_t total_ = 0;
};

class SharedMutexMapTracker {
 public:
  bool record_allocation(const void* p, std::size_t bytes, VramPurpose purpose, int device = -1) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    const auto [it, inserted] = map_.try_emplace(key(p), BaselineRecord{bytes, purpose, device, {}});
    if (inserted) {
      total_ += bytes;
    }
    return inserted;
  }

  bool record_deallocation(const void* p) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    const auto it = map_.find(key(p));
    if (it == map_.end()) {
      return false;
    }
    total_ -= it->second.bytes;
    map_.erase(it);
    return true;
  }

  // Range lookup: the allocation containing p.
  std::optional<std::size_t> find(const void* p) const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    auto it = map_.upper_bound(key(p));
    if (it == map_.begin()) {
      return std::nullopt;
    }
    --it;
    if (key(p) - it->first >= it->second.bytes) {
      return std::nullopt;
    }
    return it->second.bytes;
  }

 private:
  static std::uintptr_t key(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  mutable std::shared_mutex mutex_;
  std::map<std::uintptr_t, BaselineRecord> map_;
  std::uint64_t total_ = 0;
};

class ReaderSlotsMapTracker {
 public:
  bool record_allocation(const void* p, std::size_t bytes, VramPurpose purpose, int device = -1) {
    std::unique_lock<detail::ReaderSlotsLock> lock(mutex_);
    const auto [it, inserted] = map_.try_emplace(key(p), BaselineRecord{bytes, purpose, device, {}});
    if (inserted) {
      total_ += bytes;
    }
    return inserted;
  }

  bool record_deallocation(const void* p) {
    std::unique_lock<detail::ReaderSlotsLock> lock(mutex_);
    const auto it = map_.find(key(p));
    if (it == map_.end()) {
      return false;
    }
    total_ -= it->second.bytes;
    map_.erase(it);
    return true;
  }

  // Range lookup: the allocation containing p.
  std::optional<std::size_t> find(const void* p) const {
    std::shared_lock<detail::ReaderSlotsLock> lock(mutex_);
    auto it = map_.upper_bound(key(p));
    if (it == map_.begin()) {
      return std::nullopt;
    }
    --it;
    if (key(p) - it->first >= it->second.bytes) {
      return std::nullopt;
    }
    return it->second.bytes;
  }

 private:
  static std::uintptr_t key(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  mutable detail::ReaderSlotsLock mutex_;
  std::map<std::uintptr_t, BaselineRecord> map_;
  std::uint64_t total_ = 0;
};

}  // namespace vram_only::bench
