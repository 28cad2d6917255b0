// What vram-only-run checks before it execs the command, so that a mistake
// is reported at once (exit 125) instead of inside the served process, or
// never: each check returns "" or the reason.
//
//   - the environment holds no VRAM_ONLY_* variable that the options table
//     (attach_options.cpp) does not name: a misspelled one would be ignored;
//   - --report: not a directory, and its directory (after %p) is writable;
//   - --health: an IP address is a valid one (256.1.2.3 is not);
//   - --library: a 64-bit ELF shared object that exports
//     kAttachLibraryMarker (read from its dynamic symbol table, never
//     loaded: loading would run its constructors);
//   - --cupti: a readable file.
#pragma once

#include <string>

#include "attach_options.hpp"

namespace vram_only::attach {

// Exported by libvram_only_attach.so and by nothing else.
inline constexpr const char* kAttachLibraryMarker = "vram_only_attach_preflight";

std::string check_environment(char* const* environment);
std::string check_report_path(const std::string& report, long pid);
std::string check_health_address(const std::string& health);
std::string check_attach_library(const std::string& path);
std::string check_cupti(const std::string& path);

// All of the above, in that order; the first reason found.
std::string check_before_launch(const AttachOptions& options, char* const* environment, long pid);

}  // namespace vram_only::attach
