// The health endpoint's two bodies, rendered from a HealthStatus:
// the /health JSON and the /metrics Prometheus text. Pure functions (the
// HTTP transport is health_server.hpp). Needs nlohmann/json.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "vram_only/health_detail.hpp"
#include "vram_only/health_monitor.hpp"
#include "vram_only/violation.hpp"

namespace vram_only {

// {"pointer":"0x..","bytes":N,"purpose":"KvCache","label":"..","memory_type":"Managed",
//  "device":0,"kind":"NotResident","reason":".."}
// A WrongDevice violation has "reported_device":N (where CUDA says the
// memory is) after "device" (the device it was recorded for).
// Without `full` (a client off the loopback interface, health_detail.hpp)
// there is no "pointer", and label and reason lose library offsets and
// addresses.
inline nlohmann::ordered_json violation_json(const Violation& v, bool full = true) {
  nlohmann::ordered_json j;
  if (full) {
    j["pointer"] = detail::format_pointer(v.pointer);
  }
  j["bytes"] = v.bytes;
  j["purpose"] = std::string(to_string(v.purpose));
  j["label"] = full ? v.label : redact_addresses(v.label);
  j["memory_type"] = std::string(to_string(v.memory_type));
  j["device"] = v.device;
  if (v.kind == ViolationKind::WrongDevice) {
    j["reported_device"] = v.reported_device;
  }
  j["kind"] = std::string(to_string(v.kind));
  j["reason"] = full ? v.reason : redact_addresses(v.reason);
  return j;
}

// The /health body, exactly these keys in this order:
// {"status":"healthy","resident":true,"vram_bytes_used":N,"last_check_secs":N,"violations":[...]}
// last_check_secs is the Unix time of the last completed check (0 before the first).
// Invalid UTF-8 in labels is replaced (U+FFFD), never an error. `full`:
// as violation_json().
inline std::string health_json(const HealthStatus& status, bool full = true) {
  nlohmann::ordered_json j;
  j["status"] = status.status_text();
  j["resident"] = status.resident;
  j["vram_bytes_used"] = status.vram_bytes_used;
  j["last_check_secs"] = status.last_check_secs;
  j["violations"] = nlohmann::ordered_json::array();
  for (const Violation& v : status.violations) {
    j["violations"].push_back(violation_json(v, full));
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace detail {
inline void metric_header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// A metric with one unlabelled sample: its header and `name value`.
inline void single_metric(std::string& out, const char* name, const char* type, const char* help,
                          const std::string& value) {
  metric_header(out, name, type, help);
  out += name;
  out += ' ';
  out += value;
  out += '\n';
}

inline std::string format_double(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}
}  // namespace detail

// The /metrics body (Prometheus text exposition format 0.0.4).
inline std::string prometheus_metrics(const HealthStatus& s) {
  std::string out;
  out.reserve(2048);
  detail::single_metric(out, "vram_only_healthy", "gauge",
                        "1 when residency was verified and no violation occurred since the last reset.",
                        std::to_string(s.healthy ? 1 : 0));
  detail::single_metric(out, "vram_only_resident", "gauge",
                        "1 when the last check found every tracked allocation in device memory.",
                        std::to_string(s.resident ? 1 : 0));
  detail::metric_header(out, "vram_only_tracked_bytes", "gauge",
                        "Bytes of tracked device allocations, by purpose.");
  for (std::size_t i = 0; i < kVramPurposeCount; ++i) {
    out += "vram_only_tracked_bytes{purpose=\"";
    out += to_string(static_cast<VramPurpose>(i));
    out += "\"} " + std::to_string(s.bytes_by_purpose[i]) + "\n";
  }
  detail::single_metric(out, "vram_only_tracked_allocations", "gauge",
                        "Live tracked device allocations.",
                        std::to_string(s.live_allocations));
  detail::single_metric(out, "vram_only_tracked_peak_bytes", "gauge",
                        "Peak of tracked bytes.",
                        std::to_string(s.peak_bytes));
  detail::single_metric(out, "vram_only_violations_total", "counter",
                        "Distinct VRAM residency violations reported.",
                        std::to_string(s.violations_total));
  detail::metric_header(out, "vram_only_listed_violations", "gauge",
                        "Violations listed in /health now (since the last reset), by kind.");
  for (const ViolationKind kind : {ViolationKind::NotResident, ViolationKind::QueryFailed,
                                   ViolationKind::OutOfBounds, ViolationKind::WrongDevice}) {
    std::size_t count = 0;
    for (const Violation& v : s.violations) {
      count += v.kind == kind ? 1 : 0;
    }
    out += "vram_only_listed_violations{kind=\"";
    out += to_string(kind);
    out += "\"} " + std::to_string(count) + "\n";
  }
  detail::single_metric(out, "vram_only_checks_total", "counter",
                        "Completed residency checks.",
                        std::to_string(s.checks));
  detail::single_metric(out, "vram_only_last_check_timestamp_seconds", "gauge",
                        "Unix time of the last completed residency check (0: none yet).",
                        std::to_string(s.last_check_secs));
  detail::single_metric(out, "vram_only_sweep_duration_seconds", "gauge",
                        "Duration of the last residency check.",
                        detail::format_double(s.last_sweep_seconds));
  detail::metric_header(out, "vram_only_tracker_misuse_total", "counter",
                        "Tracker misuse, by kind.");
  const std::pair<const char*, std::uint64_t> misuse[] = {
      {"null_record", s.misuse.null_records},
      {"zero_byte_record", s.misuse.zero_byte_records},
      {"invalid_range", s.misuse.invalid_ranges},
      {"double_record", s.misuse.double_records},
      {"overlapping_record", s.misuse.overlapping_records},
      {"unknown_deallocation", s.misuse.unknown_deallocations},
      {"invalid_device", s.misuse.invalid_devices},
  };
  for (const auto& m : misuse) {
    out += "vram_only_tracker_misuse_total{kind=\"";
    out += m.first;
    out += "\"} " + std::to_string(m.second) + "\n";
  }
  return out;
}

}  // namespace vram_only
