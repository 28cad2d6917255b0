// The answer to "is this pointer VRAM?", and the one place where the CUDA
// driver's pointer attributes are turned into that answer.
//
// Decision table (measured on H200 / CUDA 13, see docs/runtime.md):
//   MEMORY_TYPE=DEVICE, IS_MANAGED=0  -> Device   (resident)
//   MEMORY_TYPE=DEVICE, IS_MANAGED=1  -> Managed  (cudaMallocManaged)
//   MEMORY_TYPE=UNIFIED               -> Managed
//   MEMORY_TYPE=HOST                  -> Host     (pinned, registered, mapped,
//                                                  host-NUMA VMM or pool)
//   MEMORY_TYPE=0 (call succeeded)    -> Unregistered (malloc, stack, freed)
//   CUDA_ERROR_INVALID_CONTEXT        -> Unregistered (no UVA context knows
//                                        the address: not CUDA memory)
//   any other error / other type      -> Error (fail closed)
// The device pointer attribute is never consulted: on ATS systems plain
// malloc memory has one.
#pragma once

#include <cuda.h>

#include "vram_only/memory_type.hpp"

namespace vram_only {

struct ResidencyVerdict {
  MemoryType memory_type = MemoryType::Error;
  // Device ordinal the memory belongs to, when CUDA reports one; -1 otherwise.
  int device = -1;
  // Why: static text, or text owned by the oracle that produced the verdict.
  const char* reason = "residency not determined";
  // The CUDA driver result behind an Error verdict (CUDA_SUCCESS otherwise),
  // and its name ("CUDA_ERROR_NOT_INITIALIZED"), or "" when there is none.
  int cuda_error = 0;
  const char* cuda_error_name = "";

  // Resident iff the memory is device memory that is not managed.
  constexpr bool resident() const noexcept { return memory_type == MemoryType::Device; }
};

namespace reasons {
inline constexpr const char* kDevice = "device memory";
inline constexpr const char* kManaged =
    "managed (unified) memory: its pages can migrate to host memory";
inline constexpr const char* kHost =
    "host memory (pinned, registered, mapped or host-NUMA)";
inline constexpr const char* kUnregistered =
    "not CUDA memory (plain host memory, or freed / dangling)";
inline constexpr const char* kNoContext =
    "not CUDA memory (no CUDA context knows this address)";
inline constexpr const char* kNull = "null pointer";
inline constexpr const char* kQueryFailed = "cuPointerGetAttributes failed";
inline constexpr const char* kUnknownType = "CUDA reported an unknown memory type";
}  // namespace reasons

// Pure mapping from the driver's answer to a verdict. `result` is what
// cuPointerGetAttributes returned, `memory_type` / `is_managed` /
// `device_ordinal` what it wrote (pre-set them to 0, 0, -1), `error_name`
// the name of `result` (may be null).
constexpr ResidencyVerdict classify_pointer_attributes(int result, unsigned memory_type,
                                                       unsigned is_managed, int device_ordinal,
                                                       const char* error_name) noexcept {
  ResidencyVerdict v;
  if (result == CUDA_ERROR_INVALID_CONTEXT) {
    v.memory_type = MemoryType::Unregistered;
    v.reason = reasons::kNoContext;
    return v;
  }
  if (result != CUDA_SUCCESS) {
    v.memory_type = MemoryType::Error;
    v.reason = reasons::kQueryFailed;
    v.cuda_error = result;
    v.cuda_error_name = error_name != nullptr ? error_name : "";
    return v;
  }
  switch (memory_type) {
    case 0:
      v.memory_type = MemoryType::Unregistered;
      v.reason = reasons::kUnregistered;
      return v;
    case CU_MEMORYTYPE_DEVICE:
      v.device = device_ordinal;
      if (is_managed != 0) {
        v.memory_type = MemoryType::Managed;
        v.reason = reasons::kManaged;
      } else {
        v.memory_type = MemoryType::Device;
        v.reason = reasons::kDevice;
      }
      return v;
    case CU_MEMORYTYPE_UNIFIED:
      v.device = device_ordinal;
      v.memory_type = MemoryType::Managed;
      v.reason = reasons::kManaged;
      return v;
    case CU_MEMORYTYPE_HOST:
      v.device = device_ordinal;
      v.memory_type = MemoryType::Host;
      v.reason = reasons::kHost;
      return v;
    default:
      v.memory_type = MemoryType::Error;
      v.reason = reasons::kUnknownType;
      return v;
  }
}

}  // namespace vram_only
