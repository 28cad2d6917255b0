//===- AnalysisDriver.h - Analyse many sources, merge what they report ----===//

#ifndef VRAM_ONLY_VRAM_CHECK_ANALYSISDRIVER_H
#define VRAM_ONLY_VRAM_CHECK_ANALYSISDRIVER_H

#include "AnalysisJob.h"
#include "AnalysisReport.h"

#include "core/Rule.h"

#include <string>
#include <vector>

namespace vram_only {

struct DriverOptions {
  unsigned Jobs = 0;    ///< clang runs in parallel; 0: all cores
  bool Verbose = false; ///< log every run and its command line to stderr
  /// Each clang run is a child process of this executable (JobProcess.h),
  /// so that a crash costs only that run.
  std::string SelfExecutable;
  std::string Checks; ///< the --checks globs, for the child processes
  /// Files under this absolute directory are reported even when the
  /// compiler takes them for system headers (AnalysisJob::ProjectRoot).
  std::string ProjectRoot;
  /// Show progress on stderr (sources done of the total, elapsed time,
  /// findings so far), one line rewritten in place: for a terminal only.
  bool Progress = false;
  /// Where sources analysed clean are remembered (AnalysisCache.h); empty:
  /// nowhere. A source found there is not analysed again; one analysed
  /// clean (no finding, no note, every side parsed) is stored.
  std::string CacheDirectory;

  /// What of these settings decides a source's outcome, for the cache key:
  /// the checks and the project root (the rest only schedules the runs).
  std::string cacheSettings() const {
    return "checks=" + Checks + ";project-root=" + ProjectRoot;
  }
};

/// Runs every job of every task (host and device sides of CUDA sources) in
/// parallel, prints clang's errors to stderr as they come, reads a source
/// with the token scan when a side of it does not parse (TokenScan.h), and
/// adds the merged, deduplicated findings, the failures and the counts to
/// \p Report. With a cache directory, sources analysed clean before with
/// the same text and settings are counted as analysed without a run.
void analyseSources(const std::vector<SourceTask> &Tasks,
                    const CudaToolchain &Toolchain,
                    analysis::RuleSet Checks, const DriverOptions &Options,
                    AnalysisReport &Report);

} // namespace vram_only

#endif
