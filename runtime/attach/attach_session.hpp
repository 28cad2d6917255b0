// AttachSession: what both backends share once enforcement starts in a
// process: the settings (from the VRAM_ONLY_* variables), the runtime bridge
// (tracker, monitor, /health), the enforcer with its policy, the driver
// functions the enforcer asks (current device, is-managed, sizes), the
// report at exit and the stop in abort mode. The CUPTI backend
// (cupti_subscription.cpp) starts it from InitializeInjection, the
// interposer (driver_interposer.cpp) at the first driver entry point it hands
// out; each then feeds the enforcer the same call records.
//
// Ownership: one per process, created by start_session() and never destroyed
// (calls may arrive on any thread until exit). Thread-safety: start_session()
// runs once (later calls return at once); the accessors may be called from
// any thread after it.
#pragma once

#include <atomic>
#include <string>

#include "attach_options.hpp"
#include "call_site.hpp"
#include "enforcer.hpp"
#include "runtime_bridge.hpp"

namespace vram_only::attach {

struct AttachSession {
  AttachOptions options;
  std::string backend;  // "interpose" or "cupti": what feeds the enforcer
  RuntimeBridge* bridge = nullptr;
  Enforcer* enforcer = nullptr;
  std::string program;
  std::string inactive_reason;  // why enforcement is not (fully) active
  std::atomic<bool> active{false};
  std::atomic<bool> report_written{false};
  std::atomic<bool> stopped{false};
  bool unhealthy_at_exit = false;  // found unhealthy after the runtime's state was torn down
};

// The session, or null before start_session().
AttachSession* current_session() noexcept;

// Starts the session once: settings, bridge, policy, enforcer (with
// `find_call_site` for the report's call sites), health server, report at
// exit. Returns it; `why` gets the settings' or the policy's error (the
// session then exists, but enforcement must not be marked active).
AttachSession& start_session(const char* backend, CallSite (*find_call_site)(), std::string& why);

// Marks the process unhealthy with `why` (the report's injection.error); with
// --require, stops it with kExitNotEnforced.
void fail_closed(AttachSession& session, const std::string& why);

// The one line logged when enforcement starts ("enforcing VRAM-only in pid ...: ...").
void log_enforcing(AttachSession& session, const std::string& how);

// A check to run at exit before the report is written (the interposer's
// watch: interposer_watch.hpp). One; set before the session starts.
void set_exit_check(void (*check)());

// Writes the report now (once).
void write_report(AttachSession& session);

}  // namespace vram_only::attach
