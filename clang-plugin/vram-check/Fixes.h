//===- Fixes.h - --fix and --export-fixes, as clang-tidy has them ---------===//
//
// Findings carry the core's fix-its as clang::tooling::Replacements with
// absolute paths (JobRunner). vram-check then either writes them as the YAML
// that clang-tidy's --export-fixes writes and clang-apply-replacements reads
// (one TranslationUnitDiagnostics document), or applies them to the files,
// all of a finding's replacements or none (a finding whose fix overlaps one
// already applied is left alone and counted).
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

struct AppliedFixes {
  unsigned Suggested = 0; ///< findings with a fix
  unsigned Applied = 0;   ///< of those, applied
  unsigned Files = 0;     ///< files rewritten
};

/// Applies the findings' fixes to the files. Fails on a file that cannot be
/// read or written, naming it (files already written stay written).
llvm::Expected<AppliedFixes> applyFixes(const AnalysisReport &Report);

} // namespace vram_only

#endif
