// A violation of the VRAM-only policy: a tracked allocation (or a tensor
// range) that is not resident device memory, that lives on another device
// than the one it was recorded for, whose residency could not be
// determined, or a tensor range that leaves its tracked allocation; and what
// a tensor check does about one (ViolationAction).
#pragma once

#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "vram_only/memory_type.hpp"
#include "vram_only/residency_verdict.hpp"
#include "vram_only/vram_purpose.hpp"

namespace vram_only {

enum class ViolationKind {
  NotResident,  // CUDA says Managed, Host or Unregistered
  QueryFailed,  // residency could not be determined (fail closed)
  OutOfBounds,  // a tensor range leaves the tracked allocation it starts in
  WrongDevice,  // device memory, but CUDA reports another device than recorded
};

constexpr std::string_view to_string(ViolationKind kind) noexcept {
  switch (kind) {
    case ViolationKind::NotResident:
      return "NotResident";
    case ViolationKind::QueryFailed:
      return "QueryFailed";
    case ViolationKind::OutOfBounds:
      return "OutOfBounds";
    case ViolationKind::WrongDevice:
      return "WrongDevice";
  }
  return "NotResident";
}

struct Violation {
  ViolationKind kind = ViolationKind::NotResident;
  // Sweep: the allocation's base and size. Tensor check: the checked range.
  const void* pointer = nullptr;
  std::size_t bytes = 0;
  VramPurpose purpose = VramPurpose::Other;  // Other when untracked
  std::string label;
  int device = -1;  // as recorded, else as CUDA reports it, else -1
  int reported_device = -1;  // WrongDevice: the device CUDA reports (device: the recorded one)
  MemoryType memory_type = MemoryType::Error;
  std::string reason;
  int cuda_error = 0;  // CUresult behind a QueryFailed violation
  std::string cuda_error_name;
  std::uint64_t allocation_id = 0;  // the tracker's id; 0 when untracked
};

enum class ViolationAction {
  Abort,                  // log the full report (critical) and std::abort()
  Throw,                  // throw VramResidencyError
  ReportAndMarkUnhealthy  // log it, tell the tracker's listeners (HealthMonitor), carry on
};

constexpr std::string_view to_string(ViolationAction action) noexcept {
  switch (action) {
    case ViolationAction::Abort:
      return "Abort";
    case ViolationAction::Throw:
      return "Throw";
    case ViolationAction::ReportAndMarkUnhealthy:
      return "ReportAndMarkUnhealthy";
  }
  return "Abort";
}

namespace detail {

// Builds the violation for a tracked allocation from a verdict (one that is
// not resident, or resident on another device than `device`).
inline Violation make_violation(const ResidencyVerdict& verdict, const void* pointer,
                                std::size_t bytes, VramPurpose purpose, std::string label,
                                int device, std::uint64_t allocation_id) {
  Violation v;
  v.kind = verdict.memory_type == MemoryType::Error ? ViolationKind::QueryFailed
           : verdict.resident()                     ? ViolationKind::WrongDevice
                                                    : ViolationKind::NotResident;
  v.pointer = pointer;
  v.bytes = bytes;
  v.purpose = purpose;
  v.label = std::move(label);
  v.device = device >= 0 ? device : verdict.device;
  v.memory_type = verdict.memory_type;
  v.reason = verdict.reason != nullptr ? verdict.reason : "";
  v.cuda_error = verdict.cuda_error;
  v.cuda_error_name = verdict.cuda_error_name != nullptr ? verdict.cuda_error_name : "";
  v.allocation_id = allocation_id;
  if (v.kind == ViolationKind::WrongDevice) {
    v.reported_device = verdict.device;
    v.reason = "device memory of device " + std::to_string(verdict.device) +
               ", recorded for device " + std::to_string(device);
  }
  if (!v.cuda_error_name.empty() && v.reason.find(v.cuda_error_name) == std::string::npos) {
    v.reason += " (" + v.cuda_error_name + ")";
  }
  return v;
}

// "0x7f12a4000000"
inline std::string format_pointer(const void* p) {
  char buffer[2 + 16 + 1];
  std::snprintf(buffer, sizeof buffer, "0x%" PRIxPTR, reinterpret_cast<std::uintptr_t>(p));
  return buffer;
}

// Text in double quotes with ", \ and control characters escaped.
inline std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// The one-line description used in critical log lines:
// VRAM residency violated: pointer=0x7f.. bytes=4096 purpose=KvCache
//   label="kv.0" memory_type=Managed device=0 reason="managed ..."
inline std::string describe(const Violation& v) {
  std::string line = "VRAM residency violated: pointer=";
  line += format_pointer(v.pointer);
  line += " bytes=" + std::to_string(v.bytes);
  line += " purpose=";
  line += to_string(v.purpose);
  line += " label=" + quote(v.label);
  line += " memory_type=";
  line += to_string(v.memory_type);
  line += " device=" + std::to_string(v.device);
  if (v.kind == ViolationKind::WrongDevice) {
    line += " reported_device=" + std::to_string(v.reported_device);
  }
  line += " kind=";
  line += to_string(v.kind);
  line += " reason=" + quote(v.reason);
  return line;
}

}  // namespace detail

// The one-line description used in critical log lines:
// VRAM residency violated: pointer=0x7f.. bytes=4096 purpose=KvCache
//   label="kv.0" memory_type=Managed device=0 kind=NotResident reason="managed ..."
// (WrongDevice adds reported_device=N after device=).
inline std::string to_string(const Violation& v) { return detail::describe(v); }

}  // namespace vram_only
