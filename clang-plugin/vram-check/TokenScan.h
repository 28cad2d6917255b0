//===- TokenScan.h - The policy's names in a source that did not parse ----===//
//
// When a side of a source does not parse, whatever follows the fatal error
// is never seen by the matchers. The token scan reads the file itself with
// clang's raw lexer (so comments, string and character literals are never
// taken for uses) and reports each identifier that is a name of the policy
// (Policy.def: functions, macros, enumerators, the last component of types,
// and the symbols cuda.h renames them to) as a finding marked as coming from
// the scan, unless a NOLINT comment silences it (clang-tidy's handling, as
// for the analysis). It sees only the main file, and cannot tell a call from
// a declaration: its findings stand in for the parse until the parse works.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_TOKENSCAN_H
#define VRAM_ONLY_VRAM_CHECK_TOKENSCAN_H

#include "AnalysisReport.h"

#include "core/Rule.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <vector>

namespace vram_only {

/// The findings of a token scan of \p Text (the contents of \p File), for
/// the checks in \p Rules; \p Why (why the parse failed) goes into each
/// finding's ScanReason.
std::vector<ReportedFinding> scanTokens(llvm::StringRef File,
                                        llvm::StringRef Text,
                                        analysis::RuleSet Rules,
                                        llvm::StringRef Why);

/// The same for the file at \p Path; None when it cannot be read.
std::optional<std::vector<ReportedFinding>>
scanFileTokens(llvm::StringRef Path, analysis::RuleSet Rules,
               llvm::StringRef Why);

} // namespace vram_only

#endif
