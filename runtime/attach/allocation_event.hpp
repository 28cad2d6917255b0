// What the injection library learns from one CUDA driver call: an
// allocation, a free, or a use of memory that moves data out of VRAM.
// Decoded from CUPTI's callback records by callback_decoder.hpp; judged by
// policy.hpp; acted on by enforcer.hpp. Plain data, no CUDA calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vram_only::attach {

// The kind of memory an event concerns. Device is VRAM; every other kind is
// a violation unless a policy rule allows it.
enum class MemoryKind : std::uint8_t {
  Device,      // cuMemAlloc*, pitch, async/pool on a device, VMM on a device, arrays
  Managed,     // cuMemAllocManaged, managed pools, __managed__ variables
  Pinned,      // cuMemHostAlloc / cuMemAllocHost (any flags: see device_mapped)
  Mapped,      // a device pointer into host memory: cuMemHostGetDevicePointer
  Registered,  // cuMemHostRegister (any flags: see device_mapped)
  HostVmm,     // cuMemCreate on a HOST, HOST_NUMA or HOST_NUMA_CURRENT location
  HostPool,    // allocations from a pool whose location is on the host
  Migration,   // cuMemAdvise / cuMemPrefetchAsync that move data to the host
};

inline constexpr std::size_t kMemoryKindCount = 8;

// The names used in policy files, reports and metrics.
constexpr std::string_view to_string(MemoryKind kind) noexcept {
  switch (kind) {
    case MemoryKind::Device: return "device";
    case MemoryKind::Managed: return "managed";
    case MemoryKind::Pinned: return "pinned";
    case MemoryKind::Mapped: return "mapped";
    case MemoryKind::Registered: return "registered";
    case MemoryKind::HostVmm: return "host_vmm";
    case MemoryKind::HostPool: return "host_pool";
    case MemoryKind::Migration: return "migration";
  }
  return "device";
}

// The kind named `name`, or false.
inline bool parse_memory_kind(std::string_view name, MemoryKind& out) noexcept {
  for (std::size_t i = 0; i < kMemoryKindCount; ++i) {
    const auto kind = static_cast<MemoryKind>(i);
    if (to_string(kind) == name) {
      out = kind;
      return true;
    }
  }
  return false;
}

enum class EventType : std::uint8_t {
  Allocate,  // memory of `kind` at [pointer, pointer + bytes) now exists
  Free,      // the allocation based at `pointer` is about to be freed
  Use,       // no new memory, but `kind` use of [pointer, pointer + bytes)
  ReleaseDevice,  // every allocation on `device` is gone (its context was reset or destroyed)
};

struct AllocationEvent {
  EventType type = EventType::Allocate;
  MemoryKind kind = MemoryKind::Device;
  const char* api = "";      // the driver API, e.g. "cuMemAlloc_v2" (static text)
  std::uint64_t pointer = 0; // 0 in an intent (API_ENTER: not allocated yet)
  std::size_t bytes = 0;
  int device = -1;           // CUDA device ordinal; -1 when unknown or the host
  std::uint64_t flags = 0;   // the call's flags, as passed
  std::string detail;        // e.g. "flags=CU_MEMHOSTALLOC_DEVICEMAP", "location=HOST_NUMA"
  bool vmm_handle = false;   // `pointer` is a CUmemGenericAllocationHandle (cuMemCreate/Release)
  // Host memory asked for with DEVICEMAP (zero-copy): reported with its
  // flags, so a later cuMemHostGetDevicePointer on it is not reported again.
  // Pinned memory is not classified by this flag: under unified addressing
  // every pinned allocation is device-accessible, and cudart may set it.
  bool device_mapped = false;

  bool is_vram() const noexcept { return kind == MemoryKind::Device; }
};

}  // namespace vram_only::attach
