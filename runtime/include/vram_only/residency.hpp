// One-off residency questions about a single pointer.
//
//   if (!vram_only::check_pointer_residency(p)) { ... }
//   auto v = vram_only::query_pointer_residency(p);
//   log(to_string(v.memory_type), v.reason);
//
// Both are thread-safe, never throw, never create a CUDA context and never
// change the CUDA runtime's last-error state (cudaGetLastError /
// cudaPeekAtLastError see the same value before and after).
#pragma once

#include "vram_only/residency_oracle.hpp"
#include "vram_only/residency_verdict.hpp"

namespace vram_only {

// The full verdict: memory type, device, reason, CUDA error.
inline ResidencyVerdict query_pointer_residency(const void* ptr) noexcept {
  return cuda_residency_oracle().query(ptr);
}
inline ResidencyVerdict query_pointer_residency(const void* ptr,
                                                const ResidencyOracle& oracle) noexcept {
  return oracle.query(ptr);
}

// True iff `ptr` is device memory that is not managed and has no host
// mapping (every host-mapped kind reports MEMORY_TYPE=HOST). False for
// managed, host, unregistered memory and when residency cannot be
// determined (fail closed).
inline bool check_pointer_residency(const void* ptr) noexcept {
  return query_pointer_residency(ptr).resident();
}
inline bool check_pointer_residency(const void* ptr, const ResidencyOracle& oracle) noexcept {
  return oracle.query(ptr).resident();
}

}  // namespace vram_only
