// What a tracked device allocation is used for. Reported per purpose by the
// tracker, in violation reports and in the /metrics endpoint.
#pragma once

#include <cstddef>
#include <string_view>

namespace vram_only {

enum class VramPurpose {
  ModelWeights,
  KvCache,
  Activations,
  Workspace,
  Other,
};

inline constexpr std::size_t kVramPurposeCount = 5;

constexpr std::string_view to_string(VramPurpose purpose) noexcept {
  switch (purpose) {
    case VramPurpose::ModelWeights:
      return "ModelWeights";
    case VramPurpose::KvCache:
      return "KvCache";
    case VramPurpose::Activations:
      return "Activations";
    case VramPurpose::Workspace:
      return "Workspace";
    case VramPurpose::Other:
      return "Other";
  }
  return "Other";
}

namespace detail {
// Index of a purpose in per-purpose arrays (0 .. kVramPurposeCount-1).
constexpr std::size_t index_of(VramPurpose purpose) noexcept {
  const auto i = static_cast<std::size_t>(purpose);
  return i < kVramPurposeCount ? i : kVramPurposeCount - 1;
}
}  // namespace detail

}  // namespace vram_only
