// The result of checking every tracked allocation
// (VramTracker::verify_vram_residency, and each HealthMonitor sweep).
//
//   if (!tracker.verify_vram_residency()) { ... }        // converts in conditions
//   assert(tracker.verify_vram_residency());
//   const auto report = tracker.verify_vram_residency();  // or keep the details
//   for (const auto& v : report.violations) log(to_string(v));
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "vram_only/violation.hpp"

namespace vram_only {

struct ResidencyReport {
  std::size_t checked = 0;         // allocations whose residency was queried
  std::size_t query_failures = 0;  // of those, how many could not be determined
  std::vector<Violation> violations;  // in ascending address order
  bool complete = true;               // false when the sweep was stopped early
  std::chrono::nanoseconds duration{0};

  // Every tracked allocation was checked and is resident device memory on
  // the device it was recorded for.
  bool resident() const noexcept { return complete && violations.empty(); }

  // The same, in conditions: `if (!tracker.verify_vram_residency())`.
  explicit operator bool() const noexcept { return resident(); }
};

}  // namespace vram_only
