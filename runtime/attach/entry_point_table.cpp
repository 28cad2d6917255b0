#include "entry_point_table.hpp"

#include <cupti_driver_cbid.h>

namespace vram_only::attach {
namespace {

constexpr EntryPoint kEntries[] = {
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, Base, Version, Stream, Kind, ...) \
  {#Symbol, #Base, Version, EntryStream::Stream, EntryKind::Kind, CUPTI_DRIVER_TRACE_CBID_##Symbol},
#include "driver_entry_points.def"
};

}  // namespace

const EntryPoint* entry_points() noexcept { return kEntries; }
std::size_t entry_count() noexcept { return sizeof kEntries / sizeof kEntries[0]; }

std::size_t entry_by_symbol(std::string_view symbol) noexcept {
  for (std::size_t i = 0; i < entry_count(); ++i) {
    if (kEntries[i].version != 0 && symbol == kEntries[i].symbol) return i;
  }
  return kNoEntry;
}

std::size_t entry_for_request(std::string_view base, int cuda_version, EntryStream stream) noexcept {
  std::size_t best = kNoEntry;
  for (std::size_t i = 0; i < entry_count(); ++i) {
    const EntryPoint& e = kEntries[i];
    if (e.version == 0 || e.version > cuda_version || e.stream != stream || base != e.base) continue;
    if (best == kNoEntry || e.version > kEntries[best].version) best = i;
  }
  return best;
}

const char* to_string(EntryKind kind) noexcept {
  switch (kind) {
    case EntryKind::Device: return "Device";
    case EntryKind::Managed: return "Managed";
    case EntryKind::Pinned: return "Pinned";
    case EntryKind::Registered: return "Registered";
    case EntryKind::Mapped: return "Mapped";
    case EntryKind::Vmm: return "Vmm";
    case EntryKind::Pool: return "Pool";
    case EntryKind::Migration: return "Migration";
    case EntryKind::Free: return "Free";
    case EntryKind::Context: return "Context";
  }
  return "Device";
}

}  // namespace vram_only::attach
