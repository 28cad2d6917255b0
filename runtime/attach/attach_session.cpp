#include "attach_session.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "attach_report.hpp"
#include "driver_functions.hpp"
#include "policy_file.hpp"

namespace vram_only::attach {
namespace {

std::atomic<AttachSession*> g_session{nullptr};
std::atomic<void (*)()> g_exit_check{nullptr};

std::string program_name() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string argv0;
  std::getline(in, argv0, '\0');
  return argv0;
}

void at_exit() {
  if (const auto check = g_exit_check.load()) check();
  AttachSession* s = current_session();
  if (s == nullptr || s->bridge == nullptr) return;
  s->bridge->stop();  // no sweep while CUDA tears down
  write_report(*s);
}

void stop_process(void*, int status) {
  AttachSession* s = current_session();
  if (s != nullptr) {
    s->stopped = true;
    write_report(*s);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status);
}

void start_health_server(AttachSession& s) {
  std::string host;
  int port = 0;
  parse_host_port(s.options.health, host, port);  // validated with the options
  std::string error;
  Enforcer* enforcer = s.enforcer;
  AttachSession* session = &s;
  s.bridge->start_health_server(  // logs where it serves, stands by, or why it cannot
      host, port, [enforcer, session] { return render_metrics(enforcer->stats(), session->active.load()); }, error);
}

}  // namespace

void set_exit_check(void (*check)()) { g_exit_check.store(check); }

AttachSession* current_session() noexcept { return g_session.load(std::memory_order_acquire); }

AttachSession& start_session(const char* backend, CallSite (*find_call_site)(), std::string& why) {
  static std::once_flag once;
  static std::string& start_error = *new std::string();  // never destroyed: read by any thread until exit
  std::call_once(once, [&] {
    auto* s = new AttachSession();  // never destroyed
    s->backend = backend;
    s->program = program_name();
    std::vector<std::string> errors;
    s->options = options_from_environment([](const char* name) { return std::getenv(name); }, errors);
    open_driver_functions();

    // The group (--group) and the health detail (--health-detail) apply to
    // both backends: the bridge joins the group and redacts /health itself.
    s->bridge = new RuntimeBridge(bridge_options_from(s->options));

    for (const std::string& e : errors) start_error += (start_error.empty() ? "" : "; ") + e;
    Policy policy;
    if (start_error.empty() && !s->options.policy.empty()) {
      try {
        policy = load_policy_file(s->options.policy);
      } catch (const PolicyError& e) {
        start_error = e.what();
      }
    }
    Enforcer::Hooks hooks;
    hooks.current_device = current_device;
    hooks.is_managed = is_managed;
    hooks.context_device = context_device;
    hooks.variable_size = variable_size;
    hooks.find_call_site = find_call_site;
    hooks.stop = stop_process;
    s->enforcer = new Enforcer(*s->bridge, s->options.on_violation, std::move(policy), s->options.call_sites, hooks);
    std::atexit(at_exit);
    s->bridge->start_monitor();
    if (!s->options.health.empty()) start_health_server(*s);
    g_session.store(s, std::memory_order_release);
  });
  why = start_error;
  return *current_session();
}

void fail_closed(AttachSession& s, const std::string& why) {
  s.inactive_reason = s.inactive_reason.empty() ? why : s.inactive_reason + "; " + why;
  s.active = false;
  s.bridge->mark_unhealthy(why);
  if (s.options.require) {
    s.bridge->log(LogLevel::Critical,
                  "--require: stopping the process, exit status " + std::to_string(kExitNotEnforced));
    stop_process(nullptr, kExitNotEnforced);
  }
}

void log_enforcing(AttachSession& s, const std::string& how) {
  s.bridge->log(LogLevel::Info, "enforcing VRAM-only in pid " + std::to_string(getpid()) + " (" + s.program +
                                    "): on-violation=" + to_string(s.options.on_violation) + ", policy=" +
                                    (s.options.policy.empty() ? std::string("none") : s.options.policy) + ", " + how);
}

void write_report(AttachSession& s) {
  if (s.options.report.empty() || s.enforcer == nullptr || s.report_written.exchange(true)) return;
  ReportContext c;
  c.pid = static_cast<long>(getpid());
  c.program = s.program;
  c.backend = s.backend;
  c.on_violation = s.options.on_violation;
  c.injection_active = s.active.load();
  c.injection_error = s.inactive_reason;
  c.healthy = s.bridge->healthy() && !s.unhealthy_at_exit;
  c.live_bytes = s.bridge->live_bytes();
  c.live_allocations = s.bridge->live_allocations();
  c.peak_bytes = s.bridge->peak_bytes();
  c.stopped = s.stopped.load();
  const std::string path = expand_pid(s.options.report, c.pid);
  std::string error;
  if (write_file_atomically(path, render_report(s.enforcer->stats(), c), error)) {
    s.bridge->log(LogLevel::Info, "report written to " + path);
  } else {
    s.bridge->log(LogLevel::Error, error);
  }
}

}  // namespace vram_only::attach
