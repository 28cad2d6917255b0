//===- AnalysisReport.h - What vram-check found, ready to print -----------===//
//
// Findings are copied out of each clang run while its SourceManager lives
// (file, line, column, the source line for the snippet), so the runs of all
// sources and sides can be merged, deduplicated and printed in one order.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_ANALYSISREPORT_H
#define VRAM_ONLY_VRAM_CHECK_ANALYSISREPORT_H

#include "clang/Tooling/Core/Replacement.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace vram_only {

/// One violation of the VRAM-only policy.
struct ReportedFinding {
  std::string File; ///< as clang saw it (absolute, or relative to the cwd)
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Check;   ///< e.g. "vram-managed-memory"
  std::string Api;     ///< the forbidden name, e.g. "cudaMallocManaged"
  std::string Message; ///< without the " [check]" suffix
  std::string SourceLine; ///< the line's text, for the snippet
  /// For --fix and --export-fixes: the file as an absolute path, the
  /// location's offset in it, and the core's fix-its (absolute paths).
  std::string AbsoluteFile;
  unsigned FileOffset = 0;
  std::vector<clang::tooling::Replacement> Fixes;

  bool operator<(const ReportedFinding &Other) const;
  bool operator==(const ReportedFinding &Other) const;
};

/// A source (or one side of it) that could not be analysed.
struct AnalysisFailure {
  std::string File;
  std::string Side;   ///< "host", "device sm_90" or ""
  std::string Reason; ///< the first error, clang-style "file:line:col: msg"
};

/// The result of a whole vram-check run.
struct AnalysisReport {
  std::vector<ReportedFinding> Findings;
  std::vector<AnalysisFailure> Failures;
  unsigned SourcesAnalysed = 0;

  /// Sorts findings by file, line, column and check, and drops the copies
  /// that several sides of one source (host, each device) report.
  void normalise();
  /// 0: clean, 1: findings, 2: at least one source was not analysed.
  int exitCode(bool FindingsAreErrors) const;
};

/// Static description of a check, for the SARIF rule table.
struct CheckDescription {
  std::string Name;    ///< "vram-managed-memory"
  std::string Summary; ///< one sentence
  std::string Help;    ///< what to use instead, where the docs are
};

enum class Severity { Error, Warning };

/// clang-style diagnostics with the source line and a caret.
void writeText(const AnalysisReport &Report, Severity Level,
               llvm::raw_ostream &OS, bool Colors);
/// A JSON array, one object per finding: file, line, column, check, api,
/// message.
void writeJson(const AnalysisReport &Report, llvm::raw_ostream &OS);
/// A SARIF 2.1.0 log for GitHub code scanning: one rule per check, results
/// with locations relative to \p SourceRoot when they lie under it, and the
/// sources that could not be analysed as tool execution notifications.
void writeSarif(const AnalysisReport &Report,
                const std::vector<CheckDescription> &Checks, Severity Level,
                llvm::StringRef SourceRoot, llvm::StringRef ToolVersion,
                llvm::raw_ostream &OS);

} // namespace vram_only

#endif
