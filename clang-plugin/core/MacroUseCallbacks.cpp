//===- MacroUseCallbacks.cpp - Forbidden macros, seen by the preprocessor -===//
#include "core/MacroUseCallbacks.h"

#include "core/Messages.h"
#include "core/PolicyIndex.h"
#include "core/Reporter.h"

#include "clang/Lex/Preprocessor.h"

namespace vram_only::analysis {
namespace {

class MacroUseCallbacks : public clang::PPCallbacks {
public:
  MacroUseCallbacks(const clang::Preprocessor &PP, const PolicyIndex &Index,
                    Reporter &Report, FindingSink &Sink)
      : PP(PP), Index(Index), Report(Report), Sink(Sink) {}

  void MacroExpands(const clang::Token &MacroNameTok,
                    const clang::MacroDefinition &, clang::SourceRange,
                    const clang::MacroArgs *) override {
    // `#if cudaHostAllocMapped == 2` tests a value; it maps nothing.
    if (PP.isParsingIfOrElifDirective())
      return;
    const clang::IdentifierInfo *Name = MacroNameTok.getIdentifierInfo();
    if (!Name)
      return;
    const PolicyEntry *E = Index.macro(Name->getName());
    if (!E)
      return;
    ReportLocator &Locator = Report.locator(PP.getSourceManager());
    Report.report(Finding{E->TheRule,
                          Locator.userLocation(MacroNameTok.getLocation()),
                          E->Name.str(),
                          entryMessage(E->Name, *E),
                          {},
                          {}},
                  Sink);
  }

private:
  const clang::Preprocessor &PP;
  const PolicyIndex &Index;
  Reporter &Report;
  FindingSink &Sink;
};

} // namespace

std::unique_ptr<clang::PPCallbacks>
makeMacroUseCallbacks(const clang::Preprocessor &PP, const PolicyIndex &Index,
                      Reporter &Report, FindingSink &Sink) {
  return std::make_unique<MacroUseCallbacks>(PP, Index, Report, Sink);
}

} // namespace vram_only::analysis
