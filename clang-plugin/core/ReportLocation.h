//===- ReportLocation.h - Where a finding is reported ---------------------===//
//
// A finding is reported in the user's own file: a token from a macro argument
// where the user spelled it, a token from a macro body (cuda.h's
// cuMemAllocHost -> cuMemAllocHost_v2, a CUDA_CHECK-style wrapper) at the
// outermost expansion site. Anything that lands in a system header, in the
// CUDA toolkit's headers (even when included with -I, where clang does not
// treat them as system headers) or in no file at all is not reported.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_REPORT_LOCATION_H
#define VRAM_ONLY_ANALYSIS_REPORT_LOCATION_H

#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace clang {
class SourceManager;
} // namespace clang

namespace vram_only::analysis {

/// Maps locations to report locations for one translation unit. Not
/// thread-safe: one per translation unit being analysed.
class ReportLocator {
public:
  explicit ReportLocator(const clang::SourceManager &SM) : SM(SM) {}

  const clang::SourceManager &sourceManager() const { return SM; }

  /// SourceManager::getFileLoc(Loc), or an invalid location when that is not
  /// in the user's code.
  clang::SourceLocation userLocation(clang::SourceLocation Loc);

  /// true when the file of \p FileLoc is a system header, a header of the
  /// CUDA toolkit, or not a file (built-in, command line, scratch space).
  /// The main file is always user code.
  bool isOutsideUserCode(clang::SourceLocation FileLoc);

private:
  bool isToolkitDirectory(llvm::StringRef Dir);

  const clang::SourceManager &SM;
  llvm::DenseMap<clang::FileID, bool> OutsideByFile;
  llvm::StringMap<bool> ToolkitByDirectory;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_REPORT_LOCATION_H
