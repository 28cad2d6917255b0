//===- InactiveBranches.h - Policy names in code clang did not compile ----===//
//
// A source is analysed in one configuration per side: nvcc's or gcc's
// macros as vram-check can give them to clang, the side's __CUDA_ARCH__.
// Code in a preprocessor branch that is inactive there (#if
// !defined(__clang__), #if __GNUC__ >= 9, an #else of an architecture test)
// is never parsed, yet another compiler or configuration compiles it. The
// recorder keeps the ranges clang skipped in the user's code
// (PPCallbacks::SourceRangeSkipped) and, once the translation unit is done,
// reads them with the token scan (TokenScan.h) for the policy's names: each
// is a note naming file:line, so that no name of the policy in the user's
// code goes unaccounted for. Notes do not fail the run unless --strict.
//
// Not thread-safe: one recorder per clang run.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_INACTIVEBRANCHES_H
#define VRAM_ONLY_VRAM_CHECK_INACTIVEBRANCHES_H

#include "AnalysisReport.h"

#include "core/ReportLocation.h"
#include "core/Rule.h"

#include "clang/Lex/PPCallbacks.h"

#include <map>
#include <utility>
#include <vector>

namespace vram_only {

class InactiveBranchRecorder : public clang::PPCallbacks {
public:
  /// \p ProjectRoot: as AnalysisJob::ProjectRoot.
  InactiveBranchRecorder(const clang::SourceManager &SM,
                         std::string ProjectRoot)
      : SM(SM), Locator(SM, std::move(ProjectRoot)) {}

  void SourceRangeSkipped(clang::SourceRange Range,
                          clang::SourceLocation EndifLoc) override;

  /// The policy's names (of the checks in \p Rules) in the skipped ranges,
  /// one remark each, the file named as clang names it. Call while the
  /// SourceManager lives.
  std::vector<ReportedFinding> policyNames(analysis::RuleSet Rules) const;

private:
  const clang::SourceManager &SM;
  analysis::ReportLocator Locator;
  /// Per file, the skipped ranges as offsets [begin, end).
  std::map<clang::FileID, std::vector<std::pair<unsigned, unsigned>>> Ranges;
};

} // namespace vram_only

#endif
