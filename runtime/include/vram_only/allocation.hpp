// What the tracker knows about one allocation, and its misuse counters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "vram_only/memory_type.hpp"
#include "vram_only/vram_purpose.hpp"

namespace vram_only {

// Cached residency of a tracked allocation, as last established by a sweep
// or a tensor check (the memory type of an allocation does not change while
// it lives; a sweep re-checks every allocation anyway).
// WrongDevice: device memory, but on another device than recorded.
enum class ResidencyState : std::uint8_t { Unknown, Resident, NotResident, WrongDevice };

// The result of a range lookup (VramTracker::find). No label: lookups are
// on the hot path; VramTracker::describe() returns the label too.
struct TrackedAllocation {
  const void* base = nullptr;
  std::size_t bytes = 0;
  VramPurpose purpose = VramPurpose::Other;
  int device = -1;  // as recorded; -1: not recorded
  std::uint64_t id = 0;  // unique per record (never 0), for as long as the tracker lives
  ResidencyState residency = ResidencyState::Unknown;
  MemoryType memory_type = MemoryType::Error;  // meaningful when residency == NotResident
  int reported_device = -1;  // meaningful when residency == WrongDevice: where CUDA says it is

  // True iff [p, p + n) lies inside [base, base + bytes).
  bool contains(const void* p, std::size_t n = 1) const noexcept {
    const auto b = reinterpret_cast<std::uintptr_t>(base);
    const auto q = reinterpret_cast<std::uintptr_t>(p);
    return q >= b && q - b < bytes && n <= bytes - (q - b);
  }
};

struct AllocationInfo : TrackedAllocation {
  std::string label;
};

// How often the tracker was misused. Every misuse is also logged.
struct MisuseCounts {
  std::uint64_t null_records = 0;           // record_allocation(nullptr, ...)
  std::uint64_t zero_byte_records = 0;      // record_allocation(p, 0, ...)
  std::uint64_t invalid_ranges = 0;         // p + bytes wraps, or bytes > 2^60
  std::uint64_t double_records = 0;         // p recorded again while live
  std::uint64_t overlapping_records = 0;    // range overlaps a live record
  std::uint64_t unknown_deallocations = 0;  // record_deallocation(p), p not a live base
  std::uint64_t invalid_devices = 0;        // device ordinal < -1 or > VramTracker::kMaxDevice

  std::uint64_t total() const noexcept {
    return null_records + zero_byte_records + invalid_ranges + double_records +
           overlapping_records + unknown_deallocations + invalid_devices;
  }
};

}  // namespace vram_only
