//===- ReportLocation.h - Where a finding is reported ---------------------===//
//
// A finding is reported in the user's own file: a token from a macro argument
// where the user spelled it, a token from a macro body (cuda.h's
// cuMemAllocHost -> cuMemAllocHost_v2, a CUDA_CHECK-style wrapper) at the
// outermost expansion site. Anything that lands in a system header, in the
// CUDA toolkit's headers (even when included with -I, where clang does not
// treat them as system headers) or in no file at all is not reported.
//
// With a project root (vram-check's --source-root), a file under it is the
// project's own code even when the compiler takes it for a system header
// (#pragma GCC system_header in it, or its directory passed with -isystem):
// such marks silence warnings, not a policy. The CUDA toolkit's headers are
// never the project's, wherever they lie.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_REPORT_LOCATION_H
#define VRAM_ONLY_ANALYSIS_REPORT_LOCATION_H

#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace clang {
class SourceManager;
} // namespace clang

namespace vram_only::analysis {

/// Maps locations to report locations for one translation unit. Not
/// thread-safe: one per translation unit being analysed.
class ReportLocator {
public:
  /// \p ProjectRoot: an absolute directory without "." or ".." components,
  /// or empty for none.
  explicit ReportLocator(const clang::SourceManager &SM,
                         std::string ProjectRoot = {});

  const clang::SourceManager &sourceManager() const { return SM; }

  /// SourceManager::getFileLoc(Loc), or an invalid location when that is not
  /// in the user's code.
  clang::SourceLocation userLocation(clang::SourceLocation Loc);

  /// true when the file of \p FileLoc is a system header outside the
  /// project root, a header of the CUDA toolkit, or not a file (built-in,
  /// command line, scratch space). The main file is always user code.
  bool isOutsideUserCode(clang::SourceLocation FileLoc);

  /// For a file location in the user's code that the compiler takes for a
  /// system header (a project file under the root): true when a `#pragma
  /// GCC system_header` made it one, false when its include directory did
  /// (-isystem). std::nullopt for every other location.
  std::optional<bool> systemMarkInProject(clang::SourceLocation FileLoc);

  llvm::StringRef projectRoot() const { return ProjectRoot; }

private:
  bool isToolkitDirectory(llvm::StringRef Dir);
  /// The absolute directory of \p File without "." and "..", or empty.
  std::string directoryOf(clang::FileID File);
  /// A file under the project root that is not the CUDA toolkit's.
  bool isProjectFile(clang::FileID File);

  const clang::SourceManager &SM;
  std::string ProjectRoot;
  llvm::DenseMap<clang::FileID, bool> OutsideByFile;
  llvm::StringMap<bool> ToolkitByDirectory;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_REPORT_LOCATION_H
