//===- Fixes.h - --fix and --export-fixes, as clang-tidy has them ---------===//
//
// Findings are clang's diagnostics with the core's fix-its as
// clang::tooling::Replacements by absolute path (JobRunner). vram-check then
// either writes them as clang-tidy's --export-fixes does, for
// clang-apply-replacements (one TranslationUnitDiagnostics document), or
// applies them to the files, all of a finding's replacements or none (a
// finding whose fix overlaps one already applied is left alone and counted).
//
// Applying never loses the user's file: each file is rewritten through a
// temporary file in its own directory renamed over it (the mode kept, a
// symlink followed to the file it names), under an advisory lock, and only
// when its text is still the text the replacements were computed from
// (contentHash at parse time). A file another run or an editor changed
// since is refused and left as it is.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_FIXES_H
#define VRAM_ONLY_VRAM_CHECK_FIXES_H

#include "AnalysisReport.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace vram_only {

/// Writes the findings that have fixes as clang-tidy's --export-fixes YAML.
/// \p MainSourceFile and \p BuildDirectory fill the fields of the same name.
void writeFixesYaml(const AnalysisReport &Report, Severity Level,
                    llvm::StringRef MainSourceFile,
                    llvm::StringRef BuildDirectory, llvm::raw_ostream &OS);

/// The hash --fix compares a file's text by (hex SHA-256).
std::string contentHash(llvm::StringRef Text);

struct AppliedFixes {
  unsigned Suggested = 0; ///< findings with a fix
  unsigned Applied = 0;   ///< of those, applied
  unsigned Files = 0;     ///< files rewritten
  /// One message per file left unchanged because it could not be read,
  /// written, or no longer has the text the fixes were computed from.
  std::vector<std::string> Errors;
};

/// Applies the findings' fixes to the files, each file on its own: a file
/// that fails is named in Errors and the others are still rewritten.
AppliedFixes applyFixes(const AnalysisReport &Report);

} // namespace vram_only

#endif
