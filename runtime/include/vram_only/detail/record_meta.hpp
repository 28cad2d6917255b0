// Packing of a tracked allocation's small fields into one 64-bit word, so
// that optimistic readers read a record with four atomic loads.
//   bits  0-15  device + 1 (0 = unknown device)
//   bits 16-19  VramPurpose
//   bits 20-21  ResidencyState
//   bits 22-24  MemoryType (meaningful when NotResident)
//   bit  25     needs the deferred containment check (see VramTracker::sweep)
//   bits 26-63  sequence number within the shard (starts at 1)
#pragma once

#include <cstdint>

#include "vram_only/allocation.hpp"
#include "vram_only/memory_type.hpp"
#include "vram_only/vram_purpose.hpp"

namespace vram_only::detail {

inline constexpr int kMaxPackedDevice = 65534;
inline constexpr unsigned kSeqShift = 26;
inline constexpr std::uint64_t kMaxSeq = (std::uint64_t{1} << (64 - kSeqShift)) - 1;
inline constexpr std::uint64_t kDeepCheckBit = std::uint64_t{1} << 25;

constexpr std::uint64_t pack_meta(int device, VramPurpose purpose, std::uint64_t seq,
                                  bool deep_check) noexcept {
  const std::uint64_t dev =
      (device >= 0 && device <= kMaxPackedDevice) ? static_cast<std::uint64_t>(device) + 1 : 0;
  return dev | static_cast<std::uint64_t>(index_of(purpose)) << 16 |
         (deep_check ? kDeepCheckBit : 0) | seq << kSeqShift;
}

constexpr int meta_device(std::uint64_t meta) noexcept {
  return static_cast<int>(meta & 0xffff) - 1;
}
constexpr VramPurpose meta_purpose(std::uint64_t meta) noexcept {
  return static_cast<VramPurpose>((meta >> 16) & 0xf);
}
constexpr ResidencyState meta_residency(std::uint64_t meta) noexcept {
  return static_cast<ResidencyState>((meta >> 20) & 0x3);
}
constexpr MemoryType meta_memory_type(std::uint64_t meta) noexcept {
  return static_cast<MemoryType>((meta >> 22) & 0x7);
}
constexpr bool meta_deep_check(std::uint64_t meta) noexcept { return (meta & kDeepCheckBit) != 0; }
constexpr std::uint64_t meta_seq(std::uint64_t meta) noexcept { return meta >> kSeqShift; }

constexpr std::uint64_t with_residency(std::uint64_t meta, ResidencyState state,
                                       MemoryType type) noexcept {
  meta &= ~(std::uint64_t{0x1f} << 20);
  return meta | static_cast<std::uint64_t>(state) << 20 | static_cast<std::uint64_t>(type) << 22;
}
constexpr std::uint64_t without_deep_check(std::uint64_t meta) noexcept {
  return meta & ~kDeepCheckBit;
}

}  // namespace vram_only::detail
