//===- JobProcess.h - One clang run in a child process --------------------===//
//
// A translation unit that crashes clang (a signal) must cost only that unit.
// vram-check therefore runs each AnalysisJob in a child process, itself
// started again with the hidden option --internal-run-job=<file>: the child
// reads the job (JSON), runs it in process (JobRunner.h) and writes the
// outcome (JSON) next to it. The parent reads the outcome back, or, when
// the child died of a signal or stopped without writing one, reports the
// side as not analysed with that cause. Every other result is kept.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_JOBPROCESS_H
#define VRAM_ONLY_VRAM_CHECK_JOBPROCESS_H

#include "JobRunner.h"

#include "llvm/ADT/StringRef.h"

namespace vram_only {

/// The hidden option that makes vram-check a child running one job.
inline constexpr llvm::StringLiteral InternalRunJobOption = "internal-run-job";

/// Runs \p Job in a child process of \p SelfExecutable (vram-check) with
/// --checks=\p Checks.
JobOutcome runAnalysisJobInChild(const AnalysisJob &Job,
                                 llvm::StringRef SelfExecutable,
                                 llvm::StringRef Checks);

/// The child's side: runs the job in \p JobFile and writes its outcome to
/// JobFile + ".outcome". Returns the child's exit code (0, or 2 when the
/// files cannot be read or written).
int runJobFile(llvm::StringRef JobFile, analysis::RuleSet Rules);

} // namespace vram_only

#endif
