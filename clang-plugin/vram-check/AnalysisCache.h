//===- AnalysisCache.h - Clean analyses remembered across builds ----------===//
//
// A rebuild recompiles what changed, and a compiler launcher is asked again
// for each of those steps, often for translation units whose text did not
// change at all (a touched header that nothing here includes, a build
// directory wiped and rebuilt). The cache remembers which translation units
// the analysis found clean, so that such a step costs a preprocessor run
// instead of a parse.
//
// The key is everything the analysis reads: vram-check itself (its version
// and the executable's size and time), the checks and options, the .clang-tidy
// files that configure them, and, for every side of every source, the clang
// command line and the name and full text of every file the preprocessor
// entered. Full text, comments included, on purpose: a NOLINT comment changes
// what is reported, and so does a line moved down by a comment. A header
// that appears earlier on the include path, or a macro that selects another
// header, changes the files entered, so it changes the key too.
//
// Only an outcome with nothing to stop the step is stored: no finding, no
// side left unanalysed. The value is the text the analysis printed then
// (notes, usually nothing), replayed on a hit. Entries are written atomically
// (a temporary file renamed into place), so concurrent steps of a parallel
// build can share one directory, and an entry is never read half-written.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_ANALYSISCACHE_H
#define VRAM_ONLY_VRAM_CHECK_ANALYSISCACHE_H

#include "AnalysisJob.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace vram_only {

class AnalysisCache {
public:
  /// A cache in \p Directory (created when the first entry is stored).
  explicit AnalysisCache(std::string Directory)
      : Directory(std::move(Directory)) {}

  /// The directory the launcher uses when none is named: $VRAM_CHECK_CACHE_DIR,
  /// else LLVM's cache directory ($XDG_CACHE_HOME, else ~/.cache) with
  /// vram-check in it; empty when there is no home directory either.
  static std::string defaultDirectory();

  /// The key of analysing \p Tasks, found by running the preprocessor over
  /// every side; none when a side cannot be preprocessed (the analysis then
  /// runs and reports why). \p Settings holds what else decides the outcome
  /// (the checks, the options that change what is printed).
  static std::optional<std::string>
  keyFor(const std::vector<SourceTask> &Tasks, const CudaToolchain &Toolchain,
         llvm::StringRef Settings, llvm::StringRef SelfExecutable);

  /// The text stored under \p Key, if there is an entry.
  std::optional<std::string> lookup(llvm::StringRef Key) const;

  /// Stores \p Text under \p Key. A cache that cannot be written costs only
  /// the next step's time: the error is returned for the caller to mention.
  std::optional<std::string> store(llvm::StringRef Key,
                                   llvm::StringRef Text) const;

private:
  std::string entryPath(llvm::StringRef Key) const;

  std::string Directory;
};

} // namespace vram_only

#endif
