//===- Launcher.h - vram-check as a compiler launcher ---------------------===//
//
//   vram-check --launcher [--warn] -- <compiler> <arguments...>
//
// For CMAKE_<LANG>_COMPILER_LAUNCHER: analyses the translation unit of the
// compile command from the compiler's own arguments (nvcc, gcc, g++, clang)
// while the command runs unchanged beside it, so that a step costs about
// what the compile alone costs. A finding fails the step with its
// diagnostics, removes what the compile wrote (-o) and says so (unless
// --warn: then nothing ever stops it). A translation unit analysed clean
// before, with the same text and settings, is not analysed again
// (AnalysisCache.h). Without findings the compile's outcome stands; a source or side
// that could not be analysed is then reported, and fails the step with exit
// 2 after a successful compile (the policy is never silently skipped)
// unless --warn, or --accept-token-scan and the token scan read it. A source
// on standard input (`-x cu -`) is read once, analysed, and given to the
// compiler. Wrapping launchers such as ccache may come first: the compiler
// is the first word that is not one.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_LAUNCHER_H
#define VRAM_ONLY_VRAM_CHECK_LAUNCHER_H

#include "AnalysisDriver.h"
#include "AnalysisJob.h"

#include "core/Rule.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace vram_only {

struct LauncherOptions {
  bool Warn = false;
  bool AcceptTokenScan = false;
  DriverOptions Driver; ///< how the sides are analysed
  /// Where clean analyses are remembered (AnalysisCache.h); empty: nowhere.
  std::string CacheDirectory;
};

/// Returns the process exit code: 1 (findings; the compile's outputs
/// removed); else the compiler's when it fails; else 2 when a side was not analysed (and that
/// is not accepted), 0 otherwise. A command that cannot be read or run: 2.
int runLauncher(llvm::ArrayRef<std::string> Command,
                const CudaToolchain &Toolchain, analysis::RuleSet Checks,
                const LauncherOptions &Options);

} // namespace vram_only

#endif
