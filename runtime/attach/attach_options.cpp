#include "attach_options.hpp"

#include <cstdlib>

namespace vram_only::attach {

const std::vector<OptionVariable>& option_variables() {
  static const std::vector<OptionVariable> table = {
      {"--backend", "VRAM_ONLY_BACKEND"},
      {"--on-violation", "VRAM_ONLY_ON_VIOLATION"},
      {"--policy", "VRAM_ONLY_POLICY"},
      {"--health", "VRAM_ONLY_HEALTH"},
      {"--report", "VRAM_ONLY_REPORT"},
      {"--require", "VRAM_ONLY_REQUIRE"},
      {"--sweep-interval", "VRAM_ONLY_SWEEP_INTERVAL_MS"},
      {"--call-sites", "VRAM_ONLY_CALL_SITES"},
      {"--callbacks", "VRAM_ONLY_CALLBACKS"},
      {"--cupti", "VRAM_ONLY_CUPTI"},
      {"--library", "VRAM_ONLY_ATTACH_LIBRARY"},
      {"--group", "VRAM_ONLY_GROUP"},
      {"--health-detail", "VRAM_ONLY_HEALTH_DETAIL"},
  };
  return table;
}

const char* to_string(OnViolation mode) { return mode == OnViolation::Abort ? "abort" : "report"; }

const char* to_string(CallSites sites) {
  return sites == CallSites::All ? "all" : sites == CallSites::Violations ? "violations" : "off";
}

const char* to_string(Backend backend) { return backend == Backend::Cupti ? "cupti" : "interpose"; }

const char* to_string(Callbacks callbacks) {
  return callbacks == Callbacks::None ? "none" : "allocations";
}

bool parse_host_port(const std::string& text, std::string& host, int& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  const std::string digits = text.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  const long value = std::strtol(digits.c_str(), nullptr, 10);
  if (value > 65535) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  port = static_cast<int>(value);
  return true;
}

bool valid_group_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string expand_pid(const std::string& path, long pid) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 1 < path.size() && path[i + 1] == 'p') {
      out += std::to_string(pid);
      ++i;
    } else {
      out += path[i];
    }
  }
  return out;
}

bool set_option(AttachOptions& options, const std::string& option, const std::string& value, std::string& error) {
  if (option == "--backend") {
    if (value == "interpose") {
      options.backend = Backend::Interpose;
    } else if (value == "cupti") {
      options.backend = Backend::Cupti;
    } else {
      error = "--backend must be interpose or cupti, not '" + value + "'";
      return false;
    }
  } else if (option == "--on-violation") {
    if (value == "report") {
      options.on_violation = OnViolation::Report;
    } else if (value == "abort") {
      options.on_violation = OnViolation::Abort;
    } else {
      error = "--on-violation must be report or abort, not '" + value + "'";
      return false;
    }
  } else if (option == "--policy") {
    if (value.empty()) {
      error = "--policy needs a file name, not an empty one";
      return false;
    }
    options.policy = value;
  } else if (option == "--health") {
    std::string host;
    int port = 0;
    if (!value.empty() && !parse_host_port(value, host, port)) {
      error = "--health must be HOST:PORT (port 0..65535, 0 = any free port), not '" + value + "'";
      return false;
    }
    options.health = value;
  } else if (option == "--report") {
    options.report = value;
  } else if (option == "--require") {
    if (value == "1" || value == "true" || value == "yes") {
      options.require = true;
    } else if (value.empty() || value == "0" || value == "false" || value == "no") {
      options.require = false;
    } else {
      error = "--require takes no value (VRAM_ONLY_REQUIRE must be 1 or 0), not '" + value + "'";
      return false;
    }
  } else if (option == "--sweep-interval") {
    if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos ||
        std::strtoul(value.c_str(), nullptr, 10) == 0) {
      error = "--sweep-interval must be a number of milliseconds >= 1, not '" + value + "'";
      return false;
    }
    options.sweep_interval_ms = static_cast<unsigned>(std::strtoul(value.c_str(), nullptr, 10));
  } else if (option == "--call-sites") {
    if (value == "all") {
      options.call_sites = CallSites::All;
    } else if (value == "violations") {
      options.call_sites = CallSites::Violations;
    } else if (value == "off") {
      options.call_sites = CallSites::Off;
    } else {
      error = "--call-sites must be all, violations or off, not '" + value + "'";
      return false;
    }
  } else if (option == "--callbacks") {
    if (value == "allocations") {
      options.callbacks = Callbacks::Allocations;
    } else if (value == "none") {
      options.callbacks = Callbacks::None;
    } else {
      error = "--callbacks must be allocations or none, not '" + value + "'";
      return false;
    }
  } else if (option == "--cupti") {
    options.cupti = value;
  } else if (option == "--library") {
    options.library = value;
  } else if (option == "--group") {
    if (!valid_group_name(value)) {
      error = "--group must be 1 to 64 of A-Z a-z 0-9 _ . - (not starting with '.'), not '" + value + "'";
      return false;
    }
    options.group = value;
  } else if (option == "--health-detail") {
    if (!parse_health_detail(value, options.health_detail)) {
      error = "--health-detail must be local, full or redacted, not '" + value + "'";
      return false;
    }
  } else {
    error = "unknown option " + option;
    return false;
  }
  return true;
}

AttachOptions options_from_environment(const std::function<const char*(const char*)>& getenv,
                                       std::vector<std::string>& errors) {
  AttachOptions options;
  for (const OptionVariable& ov : option_variables()) {
    const char* value = getenv(ov.variable);
    if (value == nullptr) continue;
    std::string error;
    if (!set_option(options, ov.option, value, error)) {
      errors.push_back(std::string(ov.variable) + "=" + value + ": " + error);
    }
  }
  return options;
}

std::vector<std::pair<std::string, std::string>> options_to_environment(const AttachOptions& o) {
  std::vector<std::pair<std::string, std::string>> env = {
      {"VRAM_ONLY_BACKEND", to_string(o.backend)},
      {"VRAM_ONLY_ON_VIOLATION", to_string(o.on_violation)},
      {"VRAM_ONLY_SWEEP_INTERVAL_MS", std::to_string(o.sweep_interval_ms)},
      {"VRAM_ONLY_CALL_SITES", to_string(o.call_sites)},
      {"VRAM_ONLY_CALLBACKS", to_string(o.callbacks)},
      {"VRAM_ONLY_REQUIRE", o.require ? "1" : "0"},
      {"VRAM_ONLY_HEALTH_DETAIL", to_string(o.health_detail)},
  };
  if (!o.policy.empty()) env.emplace_back("VRAM_ONLY_POLICY", o.policy);
  if (!o.health.empty()) env.emplace_back("VRAM_ONLY_HEALTH", o.health);
  if (!o.report.empty()) env.emplace_back("VRAM_ONLY_REPORT", o.report);
  if (!o.cupti.empty()) env.emplace_back("VRAM_ONLY_CUPTI", o.cupti);
  if (!o.library.empty()) env.emplace_back("VRAM_ONLY_ATTACH_LIBRARY", o.library);
  if (!o.group.empty()) env.emplace_back("VRAM_ONLY_GROUP", o.group);
  return env;
}

}  // namespace vram_only::attach
