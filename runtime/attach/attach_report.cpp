#include "attach_report.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

namespace vram_only::attach {
namespace {

using Json = nlohmann::ordered_json;

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%" PRIx64, value);
  return text;
}

Json call_site_json(const CallSite& site) {
  Json j;
  j["library"] = site.known() ? Json(site.library) : Json(nullptr);
  j["symbol"] = site.symbol.empty() ? Json(nullptr) : Json(site.symbol);
  j["offset"] = site.known() ? Json(hex(site.offset)) : Json(nullptr);
  j["method"] = site.method;
  return j;
}

Json event_json(const EventRecord& r) {
  Json j;
  j["api"] = r.event.api;
  j["kind"] = std::string(to_string(r.event.kind));
  j["bytes"] = r.event.bytes;
  j["device"] = r.event.device;
  j["flags"] = hex(r.event.flags);
  j["detail"] = r.event.detail;
  j["pointer"] = r.event.vmm_handle ? Json(nullptr) : Json(hex(r.event.pointer));
  if (r.event.vmm_handle) j["vmm_handle"] = hex(r.event.pointer);
  j["call_site"] = call_site_json(r.site);
  j["reason"] = r.reason;
  if (r.rule_line > 0) j["rule_line"] = r.rule_line;
  if (r.stopped) j["stopped_process"] = true;
  return j;
}

std::string limit(std::size_t bytes) { return bytes == kUnlimited ? "unlimited" : std::to_string(bytes); }

std::string label_value(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string render_report(const EnforcerStats& s, const ReportContext& c) {
  Json j;
  j["format"] = "vram-only-run report 1";
  j["pid"] = c.pid;
  j["program"] = c.program;
  j["on_violation"] = to_string(c.on_violation);
  j["policy"] = s.policy_source.empty() ? Json(nullptr) : Json(s.policy_source);
  j["injection"] = {{"backend", c.backend.empty() ? Json(nullptr) : Json(c.backend)},
                    {"active", c.injection_active},
                    {"error", c.injection_error.empty() ? Json(nullptr) : Json(c.injection_error)}};
  j["healthy"] = c.healthy;
  j["stopped_at_violation"] = c.stopped;

  Json device;
  device["live_allocations"] = c.live_allocations;
  device["live_bytes"] = c.live_bytes;
  device["peak_bytes"] = c.peak_bytes;
  std::uint64_t calls = 0;
  std::uint64_t bytes = 0;
  Json by_api = Json::object();
  for (const auto& [api, t] : s.by_api) {
    by_api[std::string(api)] = {{"allocations", t.calls}, {"bytes", t.bytes}};
    calls += t.calls;
    bytes += t.bytes;
  }
  device["allocations_total"] = calls;
  device["bytes_total"] = bytes;
  device["frees_total"] = s.device_frees;
  Json by_device = Json::array();
  for (const auto& [ordinal, t] : s.by_device) {
    by_device.push_back({{"device", ordinal},
                         {"allocations", t.allocations},
                         {"bytes", t.bytes},
                         {"live_bytes", t.live_bytes},
                         {"peak_bytes", t.peak_bytes}});
  }
  device["by_device"] = by_device;
  device["by_api"] = by_api;
  j["device_memory"] = device;

  Json kinds = Json::object();
  for (std::size_t i = 1; i < kMemoryKindCount; ++i) {
    const KindTotals& t = s.by_kind[i];
    kinds[std::string(to_string(static_cast<MemoryKind>(i)))] = {{"violations", t.violations},
                                                                  {"allowed", t.allowed},
                                                                  {"bytes", t.bytes},
                                                                  {"live_bytes", t.live_bytes},
                                                                  {"peak_bytes", t.peak_bytes}};
  }
  j["non_vram"] = kinds;

  j["violations_total"] = s.violations_total;
  Json violations = Json::array();
  for (const EventRecord& r : s.violations) violations.push_back(event_json(r));
  j["violations"] = violations;
  j["allowed_total"] = s.allowed_total;
  Json allowed = Json::array();
  for (const EventRecord& r : s.allowed) allowed.push_back(event_json(r));
  j["allowed"] = allowed;

  Json rules = Json::array();
  for (std::size_t i = 0; i < s.rules.size(); ++i) {
    const PolicyRule& r = s.rules[i];
    const PolicyLedger::Usage u = i < s.rule_usage.size() ? s.rule_usage[i] : PolicyLedger::Usage{};
    rules.push_back({{"line", r.line},
                     {"kind", std::string(to_string(r.kind))},
                     {"library", r.library.empty() ? Json(nullptr) : Json(r.library)},
                     {"max_bytes_per_allocation", r.max_bytes_per_allocation == kUnlimited ? Json(nullptr) : Json(r.max_bytes_per_allocation)},
                     {"max_bytes_total", r.max_bytes_total == kUnlimited ? Json(nullptr) : Json(r.max_bytes_total)},
                     {"allocations", u.allocations},
                     {"live_bytes", u.live_bytes},
                     {"peak_bytes", u.peak_bytes}});
  }
  j["policy_rules"] = rules;
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_metrics(const EnforcerStats& s, bool injection_active) {
  std::string out;
  out += "# HELP vram_only_attach_active 1 when vram-only-run (either backend) sees this process's allocations.\n";
  out += "# TYPE vram_only_attach_active gauge\n";
  out += std::string("vram_only_attach_active ") + (injection_active ? "1" : "0") + "\n";
  out += "# HELP vram_only_attach_device_allocations_total Device allocations seen, by driver API.\n";
  out += "# TYPE vram_only_attach_device_allocations_total counter\n";
  for (const auto& [api, t] : s.by_api) {
    out += "vram_only_attach_device_allocations_total{api=\"" + label_value(std::string(api)) + "\"} " +
           std::to_string(t.calls) + "\n";
  }
  out += "# HELP vram_only_attach_non_vram_events_total Non-VRAM allocations and uses, by kind and decision.\n";
  out += "# TYPE vram_only_attach_non_vram_events_total counter\n";
  for (std::size_t i = 1; i < kMemoryKindCount; ++i) {
    const std::string kind(to_string(static_cast<MemoryKind>(i)));
    out += "vram_only_attach_non_vram_events_total{kind=\"" + kind + "\",decision=\"allowed\"} " +
           std::to_string(s.by_kind[i].allowed) + "\n";
    out += "vram_only_attach_non_vram_events_total{kind=\"" + kind + "\",decision=\"violation\"} " +
           std::to_string(s.by_kind[i].violations) + "\n";
  }
  out += "# HELP vram_only_attach_non_vram_live_bytes Non-VRAM memory allocated and not freed, by kind.\n";
  out += "# TYPE vram_only_attach_non_vram_live_bytes gauge\n";
  for (std::size_t i = 1; i < kMemoryKindCount; ++i) {
    out += "vram_only_attach_non_vram_live_bytes{kind=\"" + std::string(to_string(static_cast<MemoryKind>(i))) +
           "\"} " + std::to_string(s.by_kind[i].live_bytes) + "\n";
  }
  out += "# HELP vram_only_attach_allowed_bytes Non-VRAM bytes allowed by each policy rule, live now.\n";
  out += "# TYPE vram_only_attach_allowed_bytes gauge\n";
  for (std::size_t i = 0; i < s.rules.size(); ++i) {
    const PolicyRule& r = s.rules[i];
    const std::uint64_t live = i < s.rule_usage.size() ? s.rule_usage[i].live_bytes : 0;
    out += "vram_only_attach_allowed_bytes{kind=\"" + std::string(to_string(r.kind)) + "\",rule_line=\"" +
           std::to_string(r.line) + "\",library=\"" + label_value(r.library) + "\",limit=\"" +
           limit(r.max_bytes_total) + "\"} " + std::to_string(live) + "\n";
  }
  return out;
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace vram_only::attach
