//===- Reporter.h - Report locations and de-duplication of findings -------===//
#ifndef VRAM_ONLY_ANALYSIS_REPORTER_H
#define VRAM_ONLY_ANALYSIS_REPORTER_H

#include "core/Finding.h"
#include "core/ReportLocation.h"

#include <memory>
#include <set>
#include <string>
#include <tuple>

namespace vram_only::analysis {

/// Passes findings to a sink, at most one per (rule, location, api) in a
/// translation unit. Not thread-safe: one per translation unit in flight.
class Reporter {
public:
  /// \p ProjectRoot: see ReportLocator (empty: none).
  explicit Reporter(std::string ProjectRoot = {})
      : ProjectRoot(std::move(ProjectRoot)) {}

  /// Forgets the findings and locations of the previous translation unit.
  void beginTranslationUnit();

  /// The locator of \p SM's translation unit.
  ReportLocator &locator(const clang::SourceManager &SM);

  /// Reports \p F unless its location is invalid or it was reported before;
  /// a finding in a project file the compiler takes for a system header
  /// gets a note that says so.
  void report(Finding F, FindingSink &Sink);

private:
  std::string ProjectRoot;
  std::unique_ptr<ReportLocator> Locator;
  std::set<std::tuple<Rule, clang::SourceLocation::UIntTy, std::string>>
      Reported;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_REPORTER_H
