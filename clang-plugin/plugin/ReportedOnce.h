//===- ReportedOnce.h - One report per location across CUDA jobs ----------===//
//
// The clang driver compiles a .cu file as several cc1 jobs (the host side
// and one device side per GPU architecture), each loading the plugin; both
// sides see most of the source, so a finding would appear once per job.
// Jobs of one compile remember what they reported:
//   - a cc1 that runs inside the driver's process (clang's integrated cc1,
//     used when a compile has a single job) remembers in memory;
//   - a cc1 that runs as its own process (a compile with several jobs, or
//     -fno-integrated-cc1) shares a small file with its sibling jobs, named
//     after the driver process (its parent) and locked with flock(2). Files
//     of drivers that have exited are removed by the next compile.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_PLUGIN_REPORTED_ONCE_H
#define VRAM_ONLY_PLUGIN_REPORTED_ONCE_H

#include "llvm/ADT/StringRef.h"

namespace vram_only::plugin {

/// true the first time (file, line, column, check, api) is reported by the
/// jobs of this compile. Thread-safe. When the shared file cannot be used,
/// answers true (a duplicate is better than a missed finding).
bool firstReport(llvm::StringRef File, unsigned Line, unsigned Column,
                 llvm::StringRef Check, llvm::StringRef Api);

} // namespace vram_only::plugin

#endif
