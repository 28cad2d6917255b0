//===- ClangTidyConfig.h - The vram-* options of the project's .clang-tidy ===//
//
// The checks' options (ExtraFunctions, ExemptNames) live in the project's
// .clang-tidy, where clang-tidy reads them. The compiler plugin and
// vram-check read them through clang-tidy's own option provider
// (clang::tidy::FileOptionsProvider, from libclangTidy), so that a name
// exempted or a wrapper forbidden for clang-tidy is exempted or forbidden in
// the build too: the nearest .clang-tidy in the source file's directory or
// above, merged with its parents' while it says InheritParentConfig: true,
// CheckOptions in either YAML form. Only the vram-* check options are used
// (each front end selects its checks with its own argument).
//
// One difference, on purpose: a .clang-tidy that clang-tidy cannot parse is
// printed and skipped by clang-tidy; here it is an error that names the file
// and the position, so a broken file never silently changes what is checked.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_CLANG_TIDY_CONFIG_H
#define VRAM_ONLY_ANALYSIS_CLANG_TIDY_CONFIG_H

#include "core/Options.h"

#include "llvm/ADT/IntrusiveRefCntPtr.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace llvm::vfs {
class FileSystem;
} // namespace llvm::vfs

namespace vram_only::analysis {

struct LoadedConfig {
  AnalysisOptions Options;
  /// The .clang-tidy files read, nearest last; empty when none applies.
  std::vector<std::string> Files;
  /// Each names the file (and the option or YAML position).
  std::vector<std::string> Errors;
};

/// Reads the options that apply to \p SourceFile (relative to \p FS's working
/// directory) as clang-tidy does, through \p FS.
LoadedConfig
loadClangTidyConfigFor(llvm::StringRef SourceFile,
                       llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_CLANG_TIDY_CONFIG_H
