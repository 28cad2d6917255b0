#include "launcher_options.hpp"

namespace vram_only::attach {

const char* launcher_usage() {
  return "usage: vram-only-run [options] [--] <command> [args...]\n"
         "\n"
         "Runs <command> with every CUDA allocation it makes checked against the\n"
         "VRAM-only policy (no change to the program).\n"
         "\n"
         "options (each also read from its environment variable):\n"
         "  --backend=interpose|cupti     VRAM_ONLY_BACKEND        interpose: LD_PRELOAD of the library, wraps\n"
         "                                                         the driver's allocation entry points (full\n"
         "                                                         speed); cupti: CUDA_INJECTION64_PATH, for\n"
         "                                                         static or setuid programs\n"
         "  --on-violation=report|abort   VRAM_ONLY_ON_VIOLATION   report: log, /health 503, report;\n"
         "                                                         abort: stop at the call (exit 86)\n"
         "  --policy FILE                 VRAM_ONLY_POLICY         allowed exceptions (JSON)\n"
         "  --health HOST:PORT            VRAM_ONLY_HEALTH         serve /health and /metrics (port 0: any)\n"
         "  --report FILE                 VRAM_ONLY_REPORT         JSON report at exit (%p: pid)\n"
         "  --require                     VRAM_ONLY_REQUIRE=1      fail (125) unless the injection can start\n"
         "  --sweep-interval MS           VRAM_ONLY_SWEEP_INTERVAL_MS  residency sweep period (5000)\n"
         "  --call-sites=all|violations|off VRAM_ONLY_CALL_SITES  find the calling library (all)\n"
         "  --callbacks=allocations|none  VRAM_ONLY_CALLBACKS      cupti only; none: CUPTI subscribed, nothing\n"
         "                                                         enforced (to measure CUPTI's cost; unhealthy)\n"
         "  --cupti PATH                  VRAM_ONLY_CUPTI          libcupti.so.13 to use\n"
         "  --library PATH                VRAM_ONLY_ATTACH_LIBRARY libvram_only_attach.so to preload or inject\n"
         "  --group NAME                  VRAM_ONLY_GROUP          the process group sharing one /health\n"
         "                                                         (default: this run's own)\n"
         "  --health-detail=local|full|redacted VRAM_ONLY_HEALTH_DETAIL  who sees pointers and offsets\n"
         "                                                         in /health (local: loopback clients)\n"
         "  -h, --help\n"
         "  --version\n"
         "\n"
         "exit status: the command's; 86 stopped at a violation (abort); 87 --require and\n"
         "enforcement could not start in the process; 125 vram-only-run failed (also: a static or\n"
         "set-user-ID program under --backend=interpose); 126 the command\n"
         "cannot be run; 127 the command was not found.\n";
}

LaunchPlan parse_launcher_args(const std::vector<std::string>& args,
                               const std::function<const char*(const char*)>& getenv) {
  LaunchPlan plan;
  std::vector<std::string> env_errors;
  plan.options = options_from_environment(getenv, env_errors);
  if (!env_errors.empty()) {
    plan.error = env_errors.front();
    return plan;
  }
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "-h" || arg == "--help") {
      plan.help = true;
      return plan;
    }
    if (arg == "--version") {
      plan.version = true;
      return plan;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      break;  // the command
    }
    std::string name = arg;
    std::string value;
    bool has_value = false;
    const std::size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    bool known = false;
    for (const OptionVariable& ov : option_variables()) {
      known = known || name == ov.option;
    }
    if (!known) {
      plan.error = "unknown option " + name;
      return plan;
    }
    if (name == "--require") {
      if (has_value) {
        plan.error = "--require takes no value";
        return plan;
      }
      value = "1";
    } else if (!has_value) {
      if (i + 1 >= args.size()) {
        plan.error = name + " needs a value";
        return plan;
      }
      value = args[++i];
    }
    if (!set_option(plan.options, name, value, plan.error)) {
      return plan;
    }
  }
  plan.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (plan.command.empty()) {
    plan.error = "no command given";
  }
  return plan;
}

}  // namespace vram_only::attach
