// The kinds of memory a pointer can refer to, as far as VRAM residency is
// concerned. Only Device is resident.
#pragma once

#include <string_view>

namespace vram_only {

enum class MemoryType {
  Device,        // device memory (cudaMalloc, cudaMallocAsync, VMM on the device)
  Managed,       // managed / unified memory: its pages can live in host memory
  Host,          // host memory CUDA knows: pinned, registered, mapped, host-NUMA
  Unregistered,  // memory CUDA does not know: malloc, stack, freed, dangling
  Error,         // residency could not be determined (driver missing or failing)
};

constexpr std::string_view to_string(MemoryType type) noexcept {
  switch (type) {
    case MemoryType::Device:
      return "Device";
    case MemoryType::Managed:
      return "Managed";
    case MemoryType::Host:
      return "Host";
    case MemoryType::Unregistered:
      return "Unregistered";
    case MemoryType::Error:
      return "Error";
  }
  return "Error";
}

}  // namespace vram_only
