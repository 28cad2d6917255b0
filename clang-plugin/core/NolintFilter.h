//===- NolintFilter.h - clang-tidy's NOLINT comments, for the other front ends
//
// A finding silenced for clang-tidy must stay silent in the build, so the
// compiler plugin and vram-check honour the same comments as clang-tidy:
//   // NOLINT                  this line, every check
//   // NOLINT(vram-host-*)     this line, the checks the globs match
//   // NOLINTNEXTLINE(...)     the next line
//   // NOLINTBEGIN(...) ... // NOLINTEND(...)   the lines between, paired
//                                               by identical check lists
// (clang-tidy itself handles them in its own diagnostic consumer.)
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_NOLINT_FILTER_H
#define VRAM_ONLY_ANALYSIS_NOLINT_FILTER_H

#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace clang {
class SourceManager;
} // namespace clang

namespace vram_only::analysis {

/// Answers "is this finding silenced?" for one translation unit, parsing
/// each file's NOLINT comments once. Not thread-safe.
class NolintFilter {
public:
  explicit NolintFilter(const clang::SourceManager &SM) : SM(SM) {}

  /// true when a NOLINT comment silences \p CheckName at \p FileLoc (a file
  /// location, as findings carry).
  bool silences(clang::SourceLocation FileLoc, llvm::StringRef CheckName);

private:
  /// Lines [First, Last] (1-based) on which the checks matching Globs are
  /// silenced; an empty Globs list silences every check.
  struct SilencedLines {
    unsigned First;
    unsigned Last;
    std::vector<std::string> Globs;
  };
  const std::vector<SilencedLines> &directivesOf(clang::FileID File);

  const clang::SourceManager &SM;
  llvm::DenseMap<clang::FileID, std::vector<SilencedLines>> ByFile;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_NOLINT_FILTER_H
