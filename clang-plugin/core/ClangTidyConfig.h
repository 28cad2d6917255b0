//===- ClangTidyConfig.h - The vram-* options of a .clang-tidy file -------===//
//
// The checks' options (ExtraFunctions, ExemptNames) live in the project's
// .clang-tidy, where clang-tidy reads them. The compiler plugin and
// vram-check read the same file, so that a name exempted or a wrapper
// forbidden for clang-tidy is exempted or forbidden in the build too:
// the nearest .clang-tidy in the source file's directory or above, its
// CheckOptions in either YAML form (a mapping, or a list of key/value
// pairs). Only the vram-* check options are read; other keys are ignored.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_CLANG_TIDY_CONFIG_H
#define VRAM_ONLY_ANALYSIS_CLANG_TIDY_CONFIG_H

#include "core/Options.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace llvm::vfs {
class FileSystem;
} // namespace llvm::vfs

namespace vram_only::analysis {

struct LoadedConfig {
  AnalysisOptions Options;
  std::string File;                ///< the file read; empty when none applies
  std::vector<std::string> Errors; ///< each names the file and the option
};

/// Parses the text of a .clang-tidy file (named \p FileName in errors).
LoadedConfig parseClangTidyConfig(llvm::StringRef Text,
                                  llvm::StringRef FileName);

/// Reads the .clang-tidy that applies to \p SourceFile through \p FS.
LoadedConfig loadClangTidyConfigFor(llvm::StringRef SourceFile,
                                    llvm::vfs::FileSystem &FS);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_CLANG_TIDY_CONFIG_H
