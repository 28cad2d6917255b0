//===- JobRunner.h - One clang run of the analysis ------------------------===//
//
// Runs one AnalysisJob (a clang -fsyntax-only command line) in process with
// the analysis core's matchers and preprocessor callbacks, and copies what it
// found out of the run as clang's diagnostics (ReportedFinding): the
// findings, the notes of inactive branches, or why the source could not be
// parsed. vram-check runs it in a child process per job (JobProcess.h).
//
// Thread-safe: each run has its own FileManager, SourceManager and virtual
// file system (whose working directory is the job's), so runs go in parallel.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_JOBRUNNER_H
#define VRAM_ONLY_VRAM_CHECK_JOBRUNNER_H

#include "AnalysisJob.h"
#include "AnalysisReport.h"

#include "core/Rule.h"

#include <optional>
#include <vector>

namespace vram_only {

struct JobOutcome {
  std::string MainSourceFile; ///< the job's source
  /// The findings (level Error), and the policy's names in preprocessor
  /// branches this run skipped (level Remark, InactiveBranches.h).
  std::vector<ReportedFinding> Diagnostics;
  /// Set when the source did not parse (or clang could not run): the
  /// findings above are then only those of what did parse.
  std::optional<AnalysisFailure> Failure;
  /// Every error clang reported, clang-style, for the user.
  std::vector<std::string> Errors;
};

JobOutcome runAnalysisJob(const AnalysisJob &Job, analysis::RuleSet Rules);

} // namespace vram_only

#endif
