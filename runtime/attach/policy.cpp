#include "policy.hpp"

#include <cstdio>

namespace vram_only::attach {
namespace {

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string rule_at(const PolicyRule& rule) {
  return rule.line > 0 ? "the rule at line " + std::to_string(rule.line) : "a policy rule";
}

const char* kind_text(MemoryKind kind) {
  switch (kind) {
    case MemoryKind::Device: return "device memory";
    case MemoryKind::Managed: return "managed (unified) memory";
    case MemoryKind::Pinned: return "pinned host memory";
    case MemoryKind::Mapped: return "mapped (zero-copy) host memory";
    case MemoryKind::Registered: return "registered host memory";
    case MemoryKind::HostVmm: return "VMM memory on a host location";
    case MemoryKind::HostPool: return "memory from a pool on the host";
    case MemoryKind::Migration: return "a migration of device data to the host";
  }
  return "memory";
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  if (bytes == kUnlimited) return "unlimited";
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB"};
  std::string text = std::to_string(bytes) + " bytes";
  std::uint64_t unit = 1024;
  for (const char* name : units) {
    if (bytes >= unit && bytes % unit == 0) {
      text = std::to_string(bytes / unit) + " " + name;
    }
    if (unit > (std::uint64_t{1} << 50)) break;
    unit *= 1024;
  }
  return text;
}

Decision PolicyLedger::decide(const AllocationEvent& event, std::string_view library) const {
  Decision d;
  const std::string what = std::string(kind_text(event.kind)) + " (" + std::string(event.api) + ", " +
                           std::to_string(event.bytes) + " bytes)";
  std::string closest;  // why the nearest rule of this kind did not apply
  for (std::size_t i = 0; i < policy_.rules.size(); ++i) {
    const PolicyRule& rule = policy_.rules[i];
    if (rule.kind != event.kind) continue;
    if (!rule.library.empty() && base_name(library).find(rule.library) == std::string_view::npos) {
      if (closest.empty()) {
        closest = rule_at(rule) + " allows it only from a library named *" + rule.library + "*, the caller is " +
                  (library.empty() ? std::string("unknown") : std::string(base_name(library)));
      }
      continue;
    }
    if (event.bytes > rule.max_bytes_per_allocation) {
      closest = std::to_string(event.bytes) + " bytes exceed the per-allocation limit of " +
                format_bytes(rule.max_bytes_per_allocation) + " of " + rule_at(rule);
      continue;
    }
    const std::uint64_t live = used_[i].live_bytes;
    if (event.type == EventType::Allocate &&
        (live > rule.max_bytes_total || event.bytes > rule.max_bytes_total - live)) {
      closest = "it would bring the memory allowed by " + rule_at(rule) + " to " +
                std::to_string(live + event.bytes) + " bytes, over its total limit of " +
                format_bytes(rule.max_bytes_total);
      continue;
    }
    d.allowed = true;
    d.rule = static_cast<int>(i);
    d.reason = what + " allowed by " + rule_at(rule) + (policy_.source.empty() ? "" : " of " + policy_.source);
    return d;
  }
  d.reason = what + " is not VRAM";
  if (!closest.empty()) {
    d.reason += ": " + closest;
  } else if (policy_.rules.empty()) {
    d.reason += " (no policy allows it)";
  } else {
    d.reason += " (no rule of the policy allows " + std::string(to_string(event.kind)) + ")";
  }
  return d;
}

void PolicyLedger::commit(int rule, std::size_t bytes) {
  if (rule < 0 || static_cast<std::size_t>(rule) >= used_.size()) return;
  Usage& u = used_[static_cast<std::size_t>(rule)];
  u.live_bytes += bytes;
  u.peak_bytes = u.live_bytes > u.peak_bytes ? u.live_bytes : u.peak_bytes;
  ++u.allocations;
}

void PolicyLedger::release(int rule, std::size_t bytes) {
  if (rule < 0 || static_cast<std::size_t>(rule) >= used_.size()) return;
  Usage& u = used_[static_cast<std::size_t>(rule)];
  u.live_bytes = bytes > u.live_bytes ? 0 : u.live_bytes - bytes;
}

}  // namespace vram_only::attach
