//===- Reporter.cpp - Report locations and de-duplication of findings -----===//
#include "core/Reporter.h"

#include "core/Messages.h"

namespace vram_only::analysis {

void Reporter::beginTranslationUnit() {
  Locator.reset();
  Reported.clear();
}

ReportLocator &Reporter::locator(const clang::SourceManager &SM) {
  if (!Locator || &Locator->sourceManager() != &SM) {
    Locator = std::make_unique<ReportLocator>(SM, ProjectRoot);
    Reported.clear(); // locations of another SourceManager mean nothing here
  }
  return *Locator;
}

void Reporter::report(Finding F, FindingSink &Sink) {
  if (F.Location.isInvalid())
    return;
  if (!Reported.emplace(F.TheRule, F.Location.getRawEncoding(), F.Api).second)
    return;
  if (Locator)
    if (std::optional<bool> ByPragma = Locator->systemMarkInProject(F.Location))
      F.Notes.push_back(
          {F.Location, systemHeaderNote(*ByPragma, Locator->projectRoot())});
  Sink.report(F);
}

} // namespace vram_only::analysis
