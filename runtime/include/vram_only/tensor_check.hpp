// Tensor-construction checks: constructing a tensor over [ptr, ptr + bytes)
// asserts that the whole range lies inside one tracked allocation that is
// resident device memory (on the device it was recorded for).
//
// The one check is check_tensor_range(tracker, ptr, bytes): it returns the
// violation, if any, and acts on nothing. The enforcing forms are built on
// it and act on a violation:
//
//   float* w = ...;                       // recorded with the tracker
//   VRAM_ONLY_CHECK_TENSOR(w, n * sizeof(float));              // default_tracker()
//   VRAM_ONLY_CHECK_TENSOR_IN(tracker, w, n * sizeof(float));  // a given tracker
//   auto view = vram_only::checked_view(tracker, w, n);         // DeviceView<float>
//
// Cost: a tracked pointer whose allocation is known to be resident is
// checked from the tracker alone (a range lookup, no driver call). The
// first check of an allocation asks the oracle once and caches the answer
// in the record (sweeps refresh it). Untracked pointers fall back to two
// driver queries (first and last byte).
//
// What happens on a violation (ViolationAction, violation.hpp) belongs to
// the tracker checked against: TrackerOptions::tensor_check_action, or,
// when that is empty, the process default (set_tensor_check_action(),
// initially Abort). So two components with trackers of their own cannot
// override each other.
//   Abort                  log the full report (critical) and std::abort(),
//   Throw                  throw VramResidencyError,
//   ReportAndMarkUnhealthy log it and hand it to the tracker's violation
//                          listeners: every HealthMonitor of that tracker
//                          turns unhealthy; the worker carries on.
//
// VRAM_ONLY_CHECK_TENSOR(_IN) and checked_view are compiled in when
// VRAM_ONLY_ENFORCE is 1 (default when NDEBUG is not defined, see
// config.hpp) and compile to nothing otherwise (the macro's arguments are
// not evaluated; checked_view only builds the view). check_tensor_range()
// is always available. Translation units built with different settings may
// be linked together: the switch selects an inline namespace, so there is
// no ODR conflict.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "vram_only/allocation.hpp"
#include "vram_only/config.hpp"
#include "vram_only/device_view.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/residency_verdict.hpp"
#include "vram_only/violation.hpp"
#include "vram_only/vram_tracker.hpp"

namespace vram_only {

namespace detail {
inline std::atomic<int>& tensor_check_action_storage() noexcept {
  static std::atomic<int> action{static_cast<int>(ViolationAction::Abort)};
  return action;
}
}  // namespace detail

// The process default, for trackers whose TrackerOptions leave
// tensor_check_action empty (default_tracker(), hence VRAM_ONLY_CHECK_TENSOR).
inline void set_tensor_check_action(ViolationAction action) noexcept {
  detail::tensor_check_action_storage().store(static_cast<int>(action), std::memory_order_relaxed);
}

inline ViolationAction tensor_check_action() noexcept {
  return static_cast<ViolationAction>(
      detail::tensor_check_action_storage().load(std::memory_order_relaxed));
}

// What a failed check against `tracker` does: its own action, else the
// process default.
inline ViolationAction tensor_check_action(const VramTracker& tracker) noexcept {
  return tracker.options().tensor_check_action.value_or(tensor_check_action());
}

// Thrown by the checks under ViolationAction::Throw.
class VramResidencyError : public std::runtime_error {
 public:
  explicit VramResidencyError(Violation violation)
      : std::runtime_error(detail::describe(violation)), violation_(std::move(violation)) {}
  const Violation& violation() const noexcept { return violation_; }

 private:
  Violation violation_;
};

namespace detail {

inline const char* reason_for(MemoryType type) noexcept {
  switch (type) {
    case MemoryType::Device:
      return reasons::kDevice;
    case MemoryType::Managed:
      return reasons::kManaged;
    case MemoryType::Host:
      return reasons::kHost;
    case MemoryType::Unregistered:
      return reasons::kUnregistered;
    case MemoryType::Error:
      return reasons::kQueryFailed;
  }
  return reasons::kQueryFailed;
}

inline std::string range_text(const void* p, std::size_t bytes) {
  return "[" + format_pointer(p) + ", +" + std::to_string(bytes) + ")";
}

inline Violation untracked_violation(ViolationKind kind, const void* ptr, std::size_t bytes,
                                     MemoryType type, std::string reason) {
  Violation v;
  v.kind = kind;
  v.pointer = ptr;
  v.bytes = bytes;
  v.memory_type = type;
  v.reason = std::move(reason);
  return v;
}

}  // namespace detail

// THE check: [ptr, ptr + bytes) against `tracker`, without acting on the
// result. nullopt when the range is inside one tracked allocation that is
// resident on its recorded device (or untracked but resident at both ends),
// the violation otherwise (NotResident, QueryFailed, OutOfBounds,
// WrongDevice). An empty range (bytes == 0) is always fine. Thread-safe.
inline std::optional<Violation> check_tensor_range(const VramTracker& tracker, const void* ptr,
                                                   std::size_t bytes) {
  if (bytes == 0) {
    return std::nullopt;
  }
  if (ptr == nullptr) {
    return detail::untracked_violation(ViolationKind::NotResident, ptr, bytes,
                                       MemoryType::Unregistered, reasons::kNull);
  }
  const auto a = reinterpret_cast<std::uintptr_t>(ptr);
  if (a + (bytes - 1) < a) {
    return detail::untracked_violation(ViolationKind::OutOfBounds, ptr, bytes,
                                       MemoryType::Error,
                                       "the range wraps around the address space");
  }
  if (const auto hit = tracker.find(ptr)) {
    if (!hit->contains(ptr, bytes)) {
      Violation v;
      v.kind = ViolationKind::OutOfBounds;
      v.pointer = ptr;
      v.bytes = bytes;
      v.purpose = hit->purpose;
      v.device = hit->device;
      v.allocation_id = hit->id;
      v.memory_type = hit->residency == ResidencyState::NotResident ? hit->memory_type
                                                                     : MemoryType::Device;
      std::string label;
      if (const auto info = tracker.describe(ptr)) {
        label = info->label;
      }
      v.reason = "the range " + detail::range_text(ptr, bytes) +
                 " leaves the tracked allocation " + detail::range_text(hit->base, hit->bytes) +
                 " label=" + detail::quote(label);
      v.label = std::move(label);
      return v;
    }
    if (hit->residency == ResidencyState::Resident) {
      return std::nullopt;  // the fast path: no driver call
    }
    ResidencyVerdict verdict;
    if (hit->residency == ResidencyState::NotResident) {
      verdict.memory_type = hit->memory_type;
      verdict.reason = detail::reason_for(hit->memory_type);
      verdict.device = hit->device;
    } else if (hit->residency == ResidencyState::WrongDevice) {
      verdict.memory_type = MemoryType::Device;
      verdict.reason = reasons::kDevice;
      verdict.device = hit->reported_device;
    } else {
      verdict = tracker.oracle().query(hit->base);
      detail::cache_residency(tracker, *hit, verdict);
      const bool wrong_device = hit->device >= 0 && verdict.device >= 0 && verdict.device != hit->device;
      if (verdict.resident() && !wrong_device) {
        return std::nullopt;
      }
    }
    std::string label;
    if (const auto info = tracker.describe(ptr)) {
      label = info->label;
    }
    return detail::make_violation(verdict, ptr, bytes, hit->purpose, std::move(label), hit->device,
                                  hit->id);
  }
  // Untracked: ask about both ends of the range.
  const ResidencyVerdict first = tracker.oracle().query(ptr);
  if (!first.resident()) {
    Violation v = detail::make_violation(first, ptr, bytes, VramPurpose::Other, {}, -1, 0);
    v.reason += " (untracked pointer)";
    return v;
  }
  const void* last_byte = reinterpret_cast<const void*>(a + (bytes - 1));
  const ResidencyVerdict last = tracker.oracle().query(last_byte);
  if (!last.resident()) {
    Violation v = detail::make_violation(last, ptr, bytes, VramPurpose::Other, {}, first.device, 0);
    v.kind = last.memory_type == MemoryType::Error ? ViolationKind::QueryFailed
                                                   : ViolationKind::OutOfBounds;
    v.reason = "the last byte " + detail::format_pointer(last_byte) + " of the untracked range is not device memory: " +
               v.reason;
    return v;
  }
  return std::nullopt;
}

namespace detail {

// Acts on a violation according to tensor_check_action(tracker).
inline void handle_tensor_violation(const VramTracker& tracker, const Violation& violation,
                                    const char* expression, const char* file, int line) {
  const ViolationAction action = tensor_check_action(tracker);
  if (action == ViolationAction::Throw) {
    throw VramResidencyError(violation);
  }
  std::string where = std::string("  in ") + (expression != nullptr ? expression : "a tensor check");
  if (file != nullptr) {
    where += std::string(" at ") + file + ":" + std::to_string(line);
  }
  log_to(tracker.sink(), LogLevel::Critical, describe(violation));
  log_to(tracker.sink(), LogLevel::Critical, where);
  if (action == ViolationAction::ReportAndMarkUnhealthy) {
    publish_violation(tracker, violation);
    return;
  }
  // Abort: the full report first.
  std::string totals = "  tracker: " + std::to_string(tracker.live_count()) +
                       " live allocations, " + std::to_string(tracker.total_usage()) + " bytes (";
  for (std::size_t i = 0; i < kVramPurposeCount; ++i) {
    const auto purpose = static_cast<VramPurpose>(i);
    totals += std::string(i == 0 ? "" : ", ") + std::string(to_string(purpose)) + " " +
              std::to_string(tracker.usage(purpose));
  }
  totals += ")";
  log_to(tracker.sink(), LogLevel::Critical, totals);
  if (const auto info = tracker.describe(violation.pointer)) {
    log_to(tracker.sink(), LogLevel::Critical,
           "  allocation: " + detail::range_text(info->base, info->bytes) + " " +
               std::string(to_string(info->purpose)) + " label=" + detail::quote(info->label) +
               " device=" + std::to_string(info->device) + " id=" + std::to_string(info->id));
  } else {
    log_to(tracker.sink(), LogLevel::Critical, "  allocation: none (the pointer is not tracked)");
  }
  log_to(tracker.sink(), LogLevel::Critical, "  aborting (ViolationAction::Abort)");
  std::abort();
}

// Checks and acts; used by the macro and checked_view.
inline void enforce_tensor_range(const VramTracker& tracker, const void* ptr, std::size_t bytes,
                                 const char* expression, const char* file, int line) {
  if (auto violation = check_tensor_range(tracker, ptr, bytes)) {
    handle_tensor_violation(tracker, *violation, expression, file, line);
  }
}

}  // namespace detail

#if VRAM_ONLY_ENFORCE
#define VRAM_ONLY_CHECKS_NAMESPACE checks_on
#else
#define VRAM_ONLY_CHECKS_NAMESPACE checks_off
#endif

inline namespace VRAM_ONLY_CHECKS_NAMESPACE {

// Whether this translation unit compiled the checks in.
constexpr bool tensor_checks_enabled() noexcept { return VRAM_ONLY_ENFORCE != 0; }

// A view of `count` elements at `ptr`, checked (when enabled) to lie inside
// one tracked, resident allocation of `tracker`.
template <class T>
DeviceView<T> checked_view(const VramTracker& tracker, T* ptr, std::size_t count) {
  static_assert(!std::is_void<T>::value, "checked_view needs an element type");
#if VRAM_ONLY_ENFORCE
  if (count > std::numeric_limits<std::size_t>::max() / sizeof(T)) {
    detail::handle_tensor_violation(
        tracker,
        detail::untracked_violation(ViolationKind::OutOfBounds, ptr,
                                    std::numeric_limits<std::size_t>::max(), MemoryType::Error,
                                    "element count " + std::to_string(count) +
                                        " overflows the size in bytes"),
        "checked_view", nullptr, 0);
    return DeviceView<T>();
  }
  detail::enforce_tensor_range(tracker, ptr, count * sizeof(T), "checked_view", nullptr, 0);
#else
  (void)tracker;
#endif
  return DeviceView<T>(ptr, count);
}

// The same against default_tracker().
template <class T>
DeviceView<T> checked_view(T* ptr, std::size_t count) {
  return checked_view(default_tracker(), ptr, count);
}

}  // inline namespace VRAM_ONLY_CHECKS_NAMESPACE

}  // namespace vram_only

#if VRAM_ONLY_ENFORCE
#define VRAM_ONLY_CHECK_TENSOR_IN(tracker, ptr, bytes)                                  \
  ::vram_only::detail::enforce_tensor_range((tracker), (ptr), (bytes),                  \
                                            "VRAM_ONLY_CHECK_TENSOR(" #ptr ", " #bytes ")", \
                                            __FILE__, __LINE__)
#else
#define VRAM_ONLY_CHECK_TENSOR_IN(tracker, ptr, bytes) \
  ((void)sizeof(tracker), (void)sizeof(ptr), (void)sizeof(bytes))
#endif

// Checks [ptr, ptr + bytes) against default_tracker().
#define VRAM_ONLY_CHECK_TENSOR(ptr, bytes) \
  VRAM_ONLY_CHECK_TENSOR_IN(::vram_only::default_tracker(), ptr, bytes)
