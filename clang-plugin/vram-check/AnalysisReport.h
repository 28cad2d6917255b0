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

#include <map>
#include <string>
#include <vector>

namespace vram_only {

/// A note of a finding: the lookup that reads a table entry, why a file the
/// compiler treats as a system header is reported.
struct ReportedNote {
  std::string File; ///< as ReportedFinding::File
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Message;
  std::string SourceLine; ///< the line's text, for the snippet

  bool operator==(const ReportedNote &Other) const {
    return File == Other.File && Line == Other.Line &&
           Column == Other.Column && Message == Other.Message;
  }
};

/// One violation of the VRAM-only policy.
struct ReportedFinding {
  std::string File; ///< as clang saw it (absolute, or relative to the cwd)
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Check;   ///< e.g. "vram-managed-memory"
  std::string Api;     ///< the forbidden name, e.g. "cudaMallocManaged"
  std::string Message; ///< without the " [check]" suffix
  std::string SourceLine; ///< the line's text, for the snippet
  std::vector<ReportedNote> Notes; ///< printed after the finding
  /// For --fix and --export-fixes: the file as an absolute path, the
  /// location's offset in it, and the core's fix-its (absolute paths).
  std::string AbsoluteFile;
  unsigned FileOffset = 0;
  std::vector<clang::tooling::Replacement> Fixes;
  /// Each file the fixes edit (absolute path) -> the hash of its text as
  /// the parse read it (contentHash in Fixes.h): --fix applies them only to
  /// that text, never to a file another run or an editor changed since.
  std::map<std::string, std::string> FixedTextHashes;
  /// Empty for a finding of the analysis; for one of the token scan (the
  /// source did not parse, TokenScan.h), why the parse failed.
  std::string ScanReason;

  bool fromTokenScan() const { return !ScanReason.empty(); }

  bool operator<(const ReportedFinding &Other) const;
  bool operator==(const ReportedFinding &Other) const;
};

/// Why a source (or a side of it) was not analysed, for the summary.
enum class FailureKind {
  Missing, ///< the file does not exist (yet: generated during the build)
  Command, ///< its compile command cannot be read
  Config,  ///< its .clang-tidy options are wrong
  Parse,   ///< clang reported errors
  Crash,   ///< clang crashed (a signal) or stopped without a result
};

/// "no such file", "unreadable command", "bad configuration", "did not
/// parse", "crashed".
llvm::StringRef failureKindName(FailureKind Kind);

/// A source (or one side of it) that could not be analysed.
struct AnalysisFailure {
  std::string File;
  std::string Side;   ///< "host", "device sm_90" or ""
  std::string Reason; ///< the first error, clang-style "file:line:col: msg"
  FailureKind Kind = FailureKind::Parse;
  /// The token scan read the file in place of the parse (TokenScan.h).
  bool TokenScanned = false;
};

/// The result of a whole vram-check run.
struct AnalysisReport {
  std::vector<ReportedFinding> Findings;
  std::vector<AnalysisFailure> Failures;
  /// The policy's names in preprocessor branches that were inactive where
  /// they were analysed and that no side found active (InactiveBranches.h):
  /// notes. ScanReason holds the side ("host", "device sm_90" or "").
  std::vector<ReportedFinding> InactiveNames;
  /// --strict: the notes fail the run as findings do.
  bool Strict = false;
  unsigned Sources = 0;       ///< sources asked for (analysed or not)
  unsigned SidesPlanned = 0;  ///< clang runs: host, each device, or plain
  unsigned SidesAnalysed = 0; ///< runs that parsed
  /// --accept-token-scan: a side the token scan read in place of the parse
  /// is a warning, not a failure of the run.
  bool AcceptTokenScan = false;

  /// Sorts findings by file, line, column and check, drops the copies that
  /// several sides of one source (host, each device) report, and the token
  /// scan's findings that a parse found too; keeps one note per place of
  /// an inactive branch's name, unless a side found it active.
  void normalise();
  /// Failures that fail the run (all of them, unless AcceptTokenScan and
  /// the token scan covered the file).
  bool isFatal(const AnalysisFailure &Failure) const {
    return !(AcceptTokenScan && Failure.TokenScanned);
  }
  unsigned fatalFailures() const;
  /// 0: clean, 1: findings (or, with Strict, notes), 2: a source or side
  /// was not analysed.
  int exitCode(bool FindingsAreErrors) const;
  /// The closing line: "vram-check: 3 source(s); 5 of 7 side(s) analysed;
  /// 2 not analysed (1 no such file, 1 crashed); 4 finding(s) (1 from a
  /// token scan); 1 note(s) in inactive preprocessor branches" (the notes
  /// only when there are any).
  std::string summary() const;
};

/// "file (side) was not analysed: reason", as every output prints it.
std::string describeFailure(const AnalysisFailure &Failure);

/// What a note of InactiveNames says: "cudaMallocManaged is in a
/// preprocessor branch that the analysis (host side) did not compile,
/// another configuration does: <the entry's message>".
std::string describeInactiveName(const ReportedFinding &Note);

/// Static description of a check, for the SARIF rule table.
struct CheckDescription {
  std::string Name;    ///< "vram-managed-memory"
  std::string Summary; ///< one sentence
  std::string Help;    ///< what to use instead, where the docs are
};

enum class Severity { Error, Warning };

/// clang-style diagnostics with the source line and a caret; a finding's
/// notes follow it.
void writeText(const AnalysisReport &Report, Severity Level,
               llvm::raw_ostream &OS, bool Colors);
/// A JSON object: "findings" (file, line, column, check, api, message,
/// origin, from a token scan scan_reason, and notes (file, line, column,
/// message) when it has any), "not_analysed" (file, side,
/// kind, reason, level "error" or, when accepted, "warning"), "summary".
void writeJson(const AnalysisReport &Report, llvm::raw_ostream &OS);
/// A SARIF 2.1.0 log for GitHub code scanning: one rule per check, results
/// with locations relative to \p SourceRoot when they lie under it (notes
/// as relatedLocations), and the
/// sources that could not be analysed as tool execution notifications.
void writeSarif(const AnalysisReport &Report,
                const std::vector<CheckDescription> &Checks, Severity Level,
                llvm::StringRef SourceRoot, llvm::StringRef ToolVersion,
                llvm::raw_ostream &OS);

} // namespace vram_only

#endif
