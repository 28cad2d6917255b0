// vram-only-run's command line: options (each falling back to its
// environment variable, attach_options.hpp) and the command to run.
//
//   vram-only-run [options] [--] <command> [args...]
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "attach_options.hpp"

namespace vram_only::attach {

struct LaunchPlan {
  AttachOptions options;
  std::vector<std::string> command;
  bool help = false;
  bool version = false;
  std::string error;  // non-empty: a usage error (exit status 125)
};

LaunchPlan parse_launcher_args(const std::vector<std::string>& args,
                               const std::function<const char*(const char*)>& getenv);

const char* launcher_usage();

}  // namespace vram_only::attach
