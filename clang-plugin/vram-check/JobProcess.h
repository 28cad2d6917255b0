//===- JobProcess.h - One clang run in a child process --------------------===//
//
// A translation unit that crashes clang (a signal) must cost only that unit.
// vram-check therefore runs each AnalysisJob in a child process, itself
// started again with the hidden option --internal-run-job=<file>. Both
// directions speak clang's own formats: the job is a compile database of one
// entry (compile_commands.json, read back with clang's
// JSONCompilationDatabase), and the child writes what it found next to it as
// clang's diagnostics YAML (clang::tooling::TranslationUnitDiagnostics, what
// clang-tidy --export-fixes writes), each diagnostic with its notes as
// clang's Notes and the fields of ReportedFinding that clang's lacks (the
// line, column and text of the finding and of each note), followed by
// clang's errors and, for a side not analysed, why. The settings that are
// no part of a compile command go as the child's options (--checks,
// --source-root). The parent reads the document back, or, when the
// child died of a signal or stopped without writing all of it, reports the
// side as not analysed with that cause.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_JOBPROCESS_H
#define VRAM_ONLY_VRAM_CHECK_JOBPROCESS_H

#include "JobRunner.h"

#include "llvm/ADT/StringRef.h"

namespace vram_only {

/// The hidden options that make vram-check a child running one job for the
/// process whose id the second one names.
inline constexpr llvm::StringLiteral InternalRunJobOption = "internal-run-job";
inline constexpr llvm::StringLiteral InternalParentOption = "internal-parent";

/// Runs \p Job in a child process of \p SelfExecutable (vram-check) with
/// --checks=\p Checks and, when the job has a project root,
/// --source-root=<Job.ProjectRoot>.
JobOutcome runAnalysisJobInChild(const AnalysisJob &Job,
                                 llvm::StringRef SelfExecutable,
                                 llvm::StringRef Checks);

/// The child's side: runs the job in \p JobFile for process \p Parent with
/// the project root \p ProjectRoot (AnalysisJob::ProjectRoot: absolute, or
/// empty for none) and writes its outcome next to it. Returns the child's
/// exit code (0, or 2 when the files cannot be read or written).
int runJobFile(llvm::StringRef JobFile, int Parent, llvm::StringRef ProjectRoot,
               analysis::RuleSet Rules);

} // namespace vram_only

#endif
