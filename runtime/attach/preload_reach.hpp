// What LD_PRELOAD cannot reach, found before the command runs: a fully
// static executable has no dynamic linker to preload anything, and the
// dynamic linker ignores LD_PRELOAD paths for set-user-ID / set-group-ID
// programs that change the process's identity. vram-only-run refuses those
// under --backend=interpose (the CUPTI backend still covers them) instead
// of running them unenforced. (Code that reaches libcuda privately at run
// time is found inside the process: interposer_watch.hpp.)
#pragma once

#include <string>

namespace vram_only::attach {

// The file execvp would run for `command` (searched in `path`, the PATH
// variable, when it has no slash); "" when there is none.
std::string find_executable(const std::string& command, const char* path);

// Why LD_PRELOAD cannot reach the program at `file`, or "" when it can
// (also when `file` is not an ELF executable: a script's interpreter is).
std::string why_preload_cannot_reach(const std::string& file);

}  // namespace vram_only::attach
