//===- NolintFilter.h - clang-tidy's NOLINT comments, for the other front ends
//
// A finding silenced for clang-tidy must stay silent in the build, so the
// compiler plugin and vram-check ask clang-tidy's own NOLINT handling
// (clang::tidy::NoLintDirectiveHandler, from libclangTidy) whether a comment
// silences a finding:
//   // NOLINT                  this line, every check
//   // NOLINT(vram-host-*)     this line, the checks the globs match
//   // NOLINTNEXTLINE(...)     the next line
//   // NOLINTBEGIN(...) ... // NOLINTEND(...)   the lines between
// (clang-tidy itself applies them in its diagnostic consumer; the tidy checks
// do not use this class.) Unmatched NOLINTBEGIN/END comments, which
// clang-tidy reports as errors of its own, silence nothing here either.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_NOLINT_FILTER_H
#define VRAM_ONLY_ANALYSIS_NOLINT_FILTER_H

#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/StringRef.h"

#include <memory>

namespace clang {
class SourceManager;
} // namespace clang

namespace vram_only::analysis {

/// Answers "is this finding silenced?" for one translation unit; clang-tidy's
/// handler reads each file's NOLINT comments once. Not thread-safe.
class NolintFilter {
public:
  explicit NolintFilter(const clang::SourceManager &SM);
  ~NolintFilter();
  NolintFilter(const NolintFilter &) = delete;
  NolintFilter &operator=(const NolintFilter &) = delete;

  /// true when a NOLINT comment silences \p CheckName at \p FileLoc (a file
  /// location, as findings carry).
  bool silences(clang::SourceLocation FileLoc, llvm::StringRef CheckName);

private:
  class Query;
  std::unique_ptr<Query> TheQuery;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_NOLINT_FILTER_H
