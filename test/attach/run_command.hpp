// Runs a program for the attach tests and reads what it leaves behind.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace vram_only::attach::testing {

struct CommandResult {
  int status = -1;     // exit status; -1 when killed by a signal or not run
  std::string output;  // what it wrote on stdout
};

// What a command that preloads libvram_only_attach.so needs under the
// sanitizer builds (nothing otherwise): the library's AddressSanitizer
// runtime cannot come first in programs it is preloaded into (sh, env, the
// test programs), and under ThreadSanitizer a forked child of a program with
// threads (the interposer's watch thread) may start threads again.
inline constexpr const char* kSanitizerEnvironment =
    "ASAN_OPTIONS=verify_asan_link_order=0 TSAN_OPTIONS=die_after_fork=0 ";

// Runs `command` with /bin/sh.
inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The whole file, or "" when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace vram_only::attach::testing
