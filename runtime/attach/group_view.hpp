// The aggregate view of a process group (group_member.hpp) that the
// process holding the group's port serves: pure functions of the members'
// records.
//
// A member breaks the group's health when it recorded a violation (live,
// exited or gone: it stays until its record is removed), when its
// enforcement is not active, or when it is live and not healthy (e.g. its
// first sweep has not completed). A member that is gone or exited without
// a violation leaves the group healthy: it is counted as gone/exited in
// /metrics.
//
// /health (full detail, see health_detail.hpp for who gets it):
//   {"status":"unhealthy","resident":false,"vram_bytes_used":N,"last_check_secs":N,
//    "violations":[{"member":1,"pid":812,"command":"python3 -c ...","process":"live",
//                   "pointer":"0x7f..","bytes":16777216,"memory_type":"Host","label":"..",
//                   "device":-1,"kind":"NotResident","reason":".."}],
//    "group":"run-811-9921",
//    "members":[{"member":0,"pid":811,"command":"..","rank":-1,"process":"live","healthy":true,
//                "serving":true,"violations_total":0,"tracked_bytes":{"0":1048576},"last_check_secs":N}]}
// Redacted: no "pointer", label and reason without offsets and addresses.
//
// /metrics: group totals and per-member series labelled member="<index>"
// (bounded by GroupDirectory::kMaxMembers; never the pid).
#pragma once

#include <string>
#include <vector>

#include "group_member.hpp"

namespace vram_only::attach {

bool member_breaks_health(const MemberRecord& record);
bool group_healthy(const std::vector<MemberRecord>& records);

std::string group_health_json(const std::string& group, const std::vector<MemberRecord>& records, bool full_detail);
std::string group_metrics(const std::vector<MemberRecord>& records);

}  // namespace vram_only::attach
