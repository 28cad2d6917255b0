//===- AnalysisReport.h - What vram-check found, ready to print -----------===//
//
// A finding is clang's own tooling::Diagnostic, the form clang-tidy
// --export-fixes writes and clang-apply-replacements reads, from the child
// process that found it (JobProcess.h) to every output. It is filled while
// the run's SourceManager lives (file, offset, line, column, the source line
// for the snippet), so that the runs of all sources and sides can be merged,
// deduplicated and printed in one order.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_ANALYSISREPORT_H
#define VRAM_ONLY_VRAM_CHECK_ANALYSISREPORT_H

#include "core/Rule.h"

#include "clang/Tooling/Core/Diagnostic.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace vram_only {

/// Where a note of a finding (tooling::Diagnostic::Notes, in the same
/// order) lies, for printing: what clang's DiagnosticMessage does not keep.
struct NotePlace {
  unsigned Line = 0;
  unsigned Column = 0;
  std::string SourceLine; ///< the line's text, for the snippet
};

/// One violation of the VRAM-only policy (DiagLevel Error), or one name of
/// the policy in a preprocessor branch that the run skipped (DiagLevel
/// Remark, InactiveBranches.h). Of the tooling::Diagnostic: DiagnosticName
/// is the check ("vram-managed-memory"); Message holds the text (without the
/// " [check]" suffix), the file by absolute path, the offset in it, and the
/// core's fix-its by absolute path; Notes are the finding's notes (the
/// lookup that reads a table entry, why a file the compiler treats as a
/// system header is reported), each with its file by absolute path.
struct ReportedFinding : clang::tooling::Diagnostic {
  ReportedFinding() { DiagLevel = Error; }

  std::string Api; ///< the forbidden name, e.g. "cudaMallocManaged"
  unsigned Line = 0;
  unsigned Column = 0;
  std::string SourceLine; ///< the line's text, for the snippet
  /// Line, column and text of each of Notes, in its order.
  std::vector<NotePlace> NotePlaces;
  /// Each file the fixes edit (absolute path) -> the hash of its text as
  /// the parse read it (contentHash in Fixes.h): --fix applies them only to
  /// that text, never to a file another run or an editor changed since.
  std::map<std::string, std::string> FixedTextHashes;
  /// For a note: the side whose run skipped the branch ("host",
  /// "device sm_90" or "").
  std::string Side;
  /// Empty for a finding of the analysis; for one of the token scan (the
  /// source did not parse, TokenScan.h), why the parse failed.
  std::string ScanReason;

  const std::string &file() const { return Message.FilePath; }
  const std::string &check() const { return DiagnosticName; }
  const std::string &text() const { return Message.Message; }
  /// file() as an absolute path, without '.' or '..'.
  std::string absoluteFile() const;
  bool fromTokenScan() const { return !ScanReason.empty(); }

  /// What identifies a finding across the sides of a source.
  std::tuple<const std::string &, unsigned, unsigned, const std::string &,
             const std::string &, const std::string &, bool>
  key() const {
    return {file(), Line, Column, check(), Api, text(), fromTokenScan()};
  }
  bool operator<(const ReportedFinding &Other) const {
    return key() < Other.key();
  }
  bool operator==(const ReportedFinding &Other) const {
    return key() == Other.key();
  }
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
  /// notes.
  std::vector<ReportedFinding> InactiveNames;
  /// --strict: the notes fail the run as findings do.
  bool Strict = false;
  unsigned Sources = 0;       ///< sources asked for (analysed or not)
  unsigned SidesPlanned = 0;  ///< clang runs: host, each device, or plain
  unsigned SidesAnalysed = 0; ///< runs that parsed, or clean in the cache
  unsigned SidesFromCache = 0; ///< of SidesAnalysed: found clean in the cache
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
/// A SARIF 2.1.0 log for GitHub code scanning: one rule per check of
/// \p Rules (its summary and help from core/Rule.h), results with locations
/// relative to \p SourceRoot when they lie under it (notes as
/// relatedLocations), and the sources that could not be analysed as tool
/// execution notifications.
void writeSarif(const AnalysisReport &Report, analysis::RuleSet Rules,
                Severity Level, llvm::StringRef SourceRoot,
                llvm::StringRef ToolVersion, llvm::raw_ostream &OS);

} // namespace vram_only

#endif
