// The settings of the injection library, shared by vram-only-run (which
// reads them from its command line, falling back to the environment, and
// exports them) and libvram_only_attach.so (which reads the environment
// alone, so that a process started by another launcher is covered by
// setting the variables; children inherit them).
//
//   option                     environment variable        default
//   --backend=interpose|cupti  VRAM_ONLY_BACKEND           interpose (LD_PRELOAD); cupti: CUDA_INJECTION64_PATH
//   --on-violation=report|abort VRAM_ONLY_ON_VIOLATION      report
//   --policy FILE              VRAM_ONLY_POLICY            (no exceptions)
//   --health HOST:PORT         VRAM_ONLY_HEALTH            (no server)
//   --report FILE              VRAM_ONLY_REPORT            (no report; %p = pid)
//   --require                  VRAM_ONLY_REQUIRE=1         off
//   --sweep-interval MS        VRAM_ONLY_SWEEP_INTERVAL_MS 5000
//   --call-sites=all|violations|off VRAM_ONLY_CALL_SITES   all
//   --callbacks=allocations|none VRAM_ONLY_CALLBACKS      allocations (none: a diagnostic, nothing enforced)
//   --cupti PATH               VRAM_ONLY_CUPTI             libcupti.so.13 (see cupti_subscription.cpp)
//   --library PATH             VRAM_ONLY_ATTACH_LIBRARY    ../lib/libvram_only_attach.so next to vram-only-run
//   --group NAME               VRAM_ONLY_GROUP             vram-only-run: its own (run-PID-STARTTIME);
//                                                          the library alone: the process's own
//   --health-detail=local|full|redacted VRAM_ONLY_HEALTH_DETAIL local (full detail for loopback clients only)
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "vram_only/health_detail.hpp"

namespace vram_only::attach {

enum class OnViolation { Report, Abort };
enum class CallSites { All, Violations, Off };
// Which driver callbacks are enabled: the allocation-related ones, or none
// (a diagnostic: CUPTI is subscribed but nothing is enforced, so that its
// own cost can be measured apart from ours; the process is marked unhealthy
// and --require fails).
enum class Callbacks { Allocations, None };
// What feeds the enforcer: the interposer (LD_PRELOAD of the library: its
// dlsym, cuGetProcAddress and the allocation family's entry points), or a
// CUPTI injection (CUDA_INJECTION64_PATH) for what LD_PRELOAD cannot reach.
enum class Backend { Interpose, Cupti };

// Exit statuses (documented in docs/vram-only-run.md).
inline constexpr int kExitViolationAbort = 86;  // stopped at a violation (--on-violation=abort)
inline constexpr int kExitNotEnforced = 87;     // --require, and the injection could not start in the process
inline constexpr int kExitLauncherError = 125;  // vram-only-run itself: usage, missing library, --require preflight
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

struct AttachOptions {
  Backend backend = Backend::Interpose;
  OnViolation on_violation = OnViolation::Report;
  std::string policy;
  std::string health;  // HOST:PORT
  std::string report;
  bool require = false;
  unsigned sweep_interval_ms = 5000;
  CallSites call_sites = CallSites::All;
  Callbacks callbacks = Callbacks::Allocations;
  std::string cupti;
  std::string library;
  // The process group whose members share one /health view (group_member.hpp).
  std::string group;
  HealthDetail health_detail = HealthDetail::Local;
};

// One environment variable per option, in the table's order above.
struct OptionVariable {
  const char* option;    // "--policy"
  const char* variable;  // "VRAM_ONLY_POLICY"
};
const std::vector<OptionVariable>& option_variables();

// Sets one option from its text; false with `error` set when the value is invalid.
bool set_option(AttachOptions& options, const std::string& option, const std::string& value, std::string& error);

// Reads every VRAM_ONLY_* variable through `getenv`. Invalid values are
// errors (listed in `errors`); the option keeps its default.
AttachOptions options_from_environment(const std::function<const char*(const char*)>& getenv,
                                       std::vector<std::string>& errors);

// The variables that carry `options` to a child: name=value pairs.
std::vector<std::pair<std::string, std::string>> options_to_environment(const AttachOptions& options);

// "HOST:PORT" -> host, port (0..65535). False when malformed.
bool parse_host_port(const std::string& text, std::string& host, int& port);

// A group name: 1..64 of [A-Za-z0-9_.-], not starting with '.'. It names a
// directory, so nothing else is accepted.
bool valid_group_name(const std::string& name);

// The report path with every %p replaced by `pid`.
std::string expand_pid(const std::string& path, long pid);

const char* to_string(OnViolation mode);
const char* to_string(CallSites sites);
const char* to_string(Callbacks callbacks);
const char* to_string(Backend backend);

}  // namespace vram_only::attach
