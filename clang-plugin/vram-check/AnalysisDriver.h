//===- AnalysisDriver.h - Analyse many sources, merge what they report ----===//

#ifndef VRAM_ONLY_VRAM_CHECK_ANALYSISDRIVER_H
#define VRAM_ONLY_VRAM_CHECK_ANALYSISDRIVER_H

#include "AnalysisJob.h"
#include "AnalysisReport.h"

#include "core/Rule.h"

#include <vector>

namespace vram_only {

struct DriverOptions {
  unsigned Jobs = 0;    ///< clang runs in parallel; 0: all cores
  bool Verbose = false; ///< log every run and its command line to stderr
};

/// Runs every job of every task (host and device sides of CUDA sources) in
/// parallel, prints clang's errors to stderr as they come, and adds the
/// merged, deduplicated findings and the failures to \p Report.
void analyseSources(const std::vector<SourceTask> &Tasks,
                    const CudaToolchain &Toolchain,
                    analysis::RuleSet Checks, const DriverOptions &Options,
                    AnalysisReport &Report);

} // namespace vram_only

#endif
