//===- Launcher.h - vram-check as a compiler launcher ---------------------===//
//
//   vram-check --launcher [--warn] -- <compiler> <arguments...>
//
// For CMAKE_<LANG>_COMPILER_LAUNCHER: analyses the translation unit of the
// compile command from the compiler's own arguments (nvcc, gcc, g++, clang),
// then runs the command unchanged. A finding fails the compile with its
// diagnostics (unless --warn); a source that cannot be analysed fails it too
// (the policy is never silently skipped). Wrapping launchers such as ccache
// may come first: the compiler is the first word that is not one.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_LAUNCHER_H
#define VRAM_ONLY_VRAM_CHECK_LAUNCHER_H

#include "AnalysisJob.h"

#include "core/Rule.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace vram_only {

struct LauncherOptions {
  bool Warn = false;
  bool Verbose = false;
  unsigned Jobs = 1; ///< ninja already compiles in parallel
};

/// Returns the process exit code: the compiler's, or 1 (findings) or 2 (not
/// analysed, or the command cannot be read or run) without compiling.
int runLauncher(llvm::ArrayRef<std::string> Command,
                const CudaToolchain &Toolchain, analysis::RuleSet Checks,
                const LauncherOptions &Options);

} // namespace vram_only

#endif
