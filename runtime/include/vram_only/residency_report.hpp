// The result of checking every tracked allocation (VramTracker::sweep and
// verify_vram_residency).
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "vram_only/violation.hpp"

namespace vram_only {

struct ResidencyReport {
  std::size_t checked = 0;         // allocations whose residency was queried
  std::size_t query_failures = 0;  // of those, how many could not be determined
  std::vector<Violation> violations;
  std::size_t overlaps_dropped = 0;  // nested records found and dropped by this sweep
  bool complete = true;              // false when the sweep was stopped early
  std::chrono::nanoseconds duration{0};

  // Every tracked allocation was checked and is resident device memory.
  bool resident() const noexcept { return complete && violations.empty(); }
};

}  // namespace vram_only
