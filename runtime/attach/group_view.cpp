#include "group_view.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "vram_only/health_detail.hpp"
#include "vram_only/health_format.hpp"

namespace vram_only::attach {
namespace {

using Json = nlohmann::ordered_json;

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

std::uint64_t tracked_total(const MemberState& s) {
  std::uint64_t total = 0;
  for (const auto& entry : s.tracked_bytes) total += entry.second;
  return total;
}

std::string member_label(const MemberRecord& r) { return "member=\"" + std::to_string(r.index) + "\""; }

// One metric's header and one sample per member.
template <class Value>
void per_member(std::string& out, const std::vector<MemberRecord>& records, const char* name, const char* type,
                const char* help, Value value) {
  vram_only::detail::metric_header(out, name, type, help);
  for (const MemberRecord& r : records) {
    out += std::string(name) + "{" + member_label(r) + "} " + std::to_string(value(r)) + "\n";
  }
}

}  // namespace

bool member_breaks_health(const MemberRecord& r) {
  return r.state.violations_total > 0 || !r.state.enforcement_active ||
         (r.liveness == Liveness::Live && !r.state.healthy);
}

bool group_healthy(const std::vector<MemberRecord>& records) {
  return std::none_of(records.begin(), records.end(), member_breaks_health);
}

std::string group_health_json(const std::string& group, const std::vector<MemberRecord>& records, bool full) {
  const bool healthy = group_healthy(records);
  std::uint64_t used = 0;
  std::int64_t oldest_check = 0;
  bool resident = true;
  Json violations = Json::array();
  Json members = Json::array();
  for (const MemberRecord& r : records) {
    const MemberState& s = r.state;
    resident = resident && s.violations_total == 0;
    if (r.liveness == Liveness::Live) {
      used += tracked_total(s);
      if (oldest_check == 0 || (s.last_sweep_secs != 0 && s.last_sweep_secs < oldest_check)) {
        oldest_check = s.last_sweep_secs;
      }
    }
    for (const MemberViolation& v : s.violations) {
      Json j;
      j["member"] = r.index;
      j["pid"] = s.pid;
      j["command"] = s.command;
      j["process"] = to_string(r.liveness);
      if (full) j["pointer"] = hex(v.pointer);
      j["bytes"] = v.bytes;
      j["memory_type"] = v.memory_type;
      j["label"] = full ? v.label : redact_addresses(v.label);
      j["device"] = v.device;
      j["kind"] = v.kind;
      j["reason"] = full ? v.reason : redact_addresses(v.reason);
      violations.push_back(std::move(j));
    }
    Json m;
    m["member"] = r.index;
    m["pid"] = s.pid;
    m["command"] = s.command;
    m["rank"] = s.rank;
    m["process"] = to_string(r.liveness);
    m["healthy"] = !member_breaks_health(r);
    m["serving"] = s.serving && r.liveness == Liveness::Live;
    m["enforcement_active"] = s.enforcement_active;
    m["violations_total"] = s.violations_total;
    Json bytes = Json::object();
    for (const auto& [device, n] : s.tracked_bytes) bytes[std::to_string(device)] = n;
    m["tracked_bytes"] = std::move(bytes);
    m["last_check_secs"] = s.last_sweep_secs;
    members.push_back(std::move(m));
  }
  Json j;
  j["status"] = healthy ? "healthy" : "unhealthy";
  j["resident"] = resident;
  j["vram_bytes_used"] = used;
  j["last_check_secs"] = oldest_check;
  j["violations"] = std::move(violations);
  j["group"] = group;
  j["members"] = std::move(members);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string group_metrics(const std::vector<MemberRecord>& records) {
  using vram_only::detail::metric_header;
  std::string out;
  metric_header(out, "vram_only_group_healthy", "gauge",
                "1 when no member of the process group violated the policy and every live member is healthy.");
  out += "vram_only_group_healthy " + std::to_string(group_healthy(records) ? 1 : 0) + "\n";

  std::map<std::string, int> by_state = {{"live", 0}, {"exited", 0}, {"gone", 0}};
  std::map<int, std::uint64_t> by_device;
  std::uint64_t violations = 0;
  for (const MemberRecord& r : records) {
    ++by_state[to_string(r.liveness)];
    violations += r.state.violations_total;
    if (r.liveness != Liveness::Live) continue;
    for (const auto& [device, bytes] : r.state.tracked_bytes) by_device[device] += bytes;
  }
  metric_header(out, "vram_only_group_members", "gauge",
                "Members of the process group by state: live, exited (published its exit), gone (killed, or its "
                "pid was reused).");
  for (const auto& [state, n] : by_state) {
    out += "vram_only_group_members{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  }
  metric_header(out, "vram_only_group_violations", "gauge",
                "Violations recorded by the group's members (live, exited and gone) since they started.");
  out += "vram_only_group_violations " + std::to_string(violations) + "\n";
  metric_header(out, "vram_only_group_tracked_bytes", "gauge",
                "Tracked device memory of the group's live members, by device.");
  for (const auto& [device, bytes] : by_device) {
    out += "vram_only_group_tracked_bytes{device=\"" + std::to_string(device) + "\"} " + std::to_string(bytes) + "\n";
  }

  per_member(out, records, "vram_only_group_member_up", "gauge", "1 while the member's process runs.",
             [](const MemberRecord& r) { return r.liveness == Liveness::Live ? 1 : 0; });
  per_member(out, records, "vram_only_group_member_gone", "gauge",
             "1 when the member ended without publishing its exit (killed, e.g. SIGKILL).",
             [](const MemberRecord& r) { return r.liveness == Liveness::Gone ? 1 : 0; });
  per_member(out, records, "vram_only_group_member_healthy", "gauge",
             "1 when the member does not break the group's health.",
             [](const MemberRecord& r) { return member_breaks_health(r) ? 0 : 1; });
  per_member(out, records, "vram_only_group_member_enforcement_active", "gauge",
             "1 when the member's enforcement started.",
             [](const MemberRecord& r) { return r.state.enforcement_active ? 1 : 0; });
  per_member(out, records, "vram_only_group_member_serving", "gauge",
             "1 for the member that holds the group's health port.",
             [](const MemberRecord& r) { return r.state.serving && r.liveness == Liveness::Live ? 1 : 0; });
  per_member(out, records, "vram_only_group_member_violations_total", "counter",
             "Violations the member recorded since it started.",
             [](const MemberRecord& r) { return r.state.violations_total; });
  per_member(out, records, "vram_only_group_member_rank", "gauge",
             "The member's LOCAL_RANK (else RANK); -1 when it has none.",
             [](const MemberRecord& r) { return r.state.rank; });
  per_member(out, records, "vram_only_group_member_start_time_seconds", "gauge",
             "Unix time at which the member published its first state.",
             [](const MemberRecord& r) { return r.state.started_secs; });
  per_member(out, records, "vram_only_group_member_last_check_timestamp_seconds", "gauge",
             "Unix time of the member's last completed residency check (0: none yet).",
             [](const MemberRecord& r) { return r.state.last_sweep_secs; });
  metric_header(out, "vram_only_group_member_tracked_bytes", "gauge",
                "Tracked device memory of each member, by device (0 once it is not live).");
  for (const MemberRecord& r : records) {
    for (const auto& [device, bytes] : r.state.tracked_bytes) {
      out += "vram_only_group_member_tracked_bytes{" + member_label(r) + ",device=\"" + std::to_string(device) +
             "\"} " + std::to_string(r.liveness == Liveness::Live ? bytes : 0) + "\n";
    }
  }
  return out;
}

}  // namespace vram_only::attach
