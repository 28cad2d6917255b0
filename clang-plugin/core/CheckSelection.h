//===- CheckSelection.h - Which checks run, from a clang-tidy glob list ---===//
//
// The compiler plugin (-fplugin-arg-vram_only-checks=...) and vram-check
// (--checks=...) select checks with clang-tidy's syntax: a comma-separated
// list of globs, '*' matching any text, a leading '-' removing what matches;
// the last glob that matches a check decides. "vram-*,-vram-dynamic-lookup"
// runs three checks. The matching is clang-tidy's own (clang::tidy::GlobList
// from libclangTidy), so a list selects what it selects in clang-tidy; the
// list is checked first, so that a typo is an error rather than no check.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_CHECK_SELECTION_H
#define VRAM_ONLY_ANALYSIS_CHECK_SELECTION_H

#include "core/Rule.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace vram_only::analysis {

/// The rules that \p Globs enables. Fails on an empty glob or a character
/// no check name can hold, naming the glob.
llvm::Expected<RuleSet> selectChecks(llvm::StringRef Globs);

/// The four check names, in rule order.
std::vector<std::string> allCheckNames();

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_CHECK_SELECTION_H
