// The two baselines the tracker is measured against, compiled into the same
// benchmark binary:
// - MutexMapTracker: the obvious tracker, std::mutex + std::unordered_map
//   keyed by base address. It can only look up base addresses; its lookup
//   benchmark therefore measures exact-key lookups (a cheaper task than the
//   interior-pointer range lookup of VramTracker).
// - SharedMutexMapTracker: an ordered map under std::shared_mutex, the
//   design of RMM's tracking_resource_adaptor; range lookups via upper_bound.
// - ReaderSlotsMapTracker: a candidate for VramTracker measured next to it:
//   the same ReaderSlotsLock, with a std::map keyed by base
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
#include <type_traits>
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

// One baseline: Map (keyed by base address) under Lock. Writers take Lock
// exclusively; lookups take it shared when Lock can be shared. An ordered
// Map answers range lookups (the allocation containing p, via upper_bound),
// an unordered one exact base-address lookups only.
template <class Map, class Lock>
class MapTracker {
 public:
  bool record_allocation(const void* p, std::size_t bytes, VramPurpose purpose, int device = -1) {
    std::unique_lock<Lock> lock(mutex_);
    const auto [it, inserted] = map_.try_emplace(key(p), BaselineRecord{bytes, purpose, device, {}});
    if (inserted) {
      total_ += bytes;
    }
    return inserted;
  }

  bool record_deallocation(const void* p) {
    std::unique_lock<Lock> lock(mutex_);
    const auto it = map_.find(key(p));
    if (it == map_.end()) {
      return false;
    }
    total_ -= it->second.bytes;
    map_.erase(it);
    return true;
  }

  std::optional<std::size_t> find(const void* p) const {
    ReadLock lock(mutex_);
    if constexpr (kOrdered) {
      auto it = map_.upper_bound(key(p));
      if (it == map_.begin()) {
        return std::nullopt;
      }
      --it;
      if (key(p) - it->first >= it->second.bytes) {
        return std::nullopt;
      }
      return it->second.bytes;
    } else {
      const auto it = map_.find(key(p));
      if (it == map_.end()) {
        return std::nullopt;
      }
      return it->second.bytes;
    }
  }

 private:
  static constexpr bool kOrdered = std::is_same_v<Map, std::map<std::uintptr_t, BaselineRecord>>;
  using ReadLock = std::conditional_t<std::is_same_v<Lock, std::mutex>, std::unique_lock<Lock>,
                                      std::shared_lock<Lock>>;
  static std::uintptr_t key(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  mutable Lock mutex_;
  Map map_;
  std::uint64_t total_ = 0;
};

using MutexMapTracker = MapTracker<std::unordered_map<std::uintptr_t, BaselineRecord>, std::mutex>;
using SharedMutexMapTracker = MapTracker<std::map<std::uintptr_t, BaselineRecord>, std::shared_mutex>;
using ReaderSlotsMapTracker = MapTracker<std::map<std::uintptr_t, BaselineRecord>, detail::ReaderSlotsLock>;

}  // namespace vram_only::bench
