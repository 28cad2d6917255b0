//===- FrontEndAdapter.cpp - What every front end does with the core -------===//
#include "core/FrontEndAdapter.h"

#include "core/UserCodeTraversal.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"

namespace vram_only::analysis {
namespace {

/// Matches the translation unit once it is parsed.
class MatchingConsumer : public clang::ASTConsumer {
public:
  explicit MatchingConsumer(FrontEndAdapter &Adapter) : Adapter(Adapter) {}
  void HandleTranslationUnit(clang::ASTContext &Context) override {
    Adapter.matchTranslationUnit(Context);
  }

private:
  FrontEndAdapter &Adapter;
};

} // namespace

FrontEndAdapter::FrontEndAdapter(RuleSet Rules, const AnalysisOptions &Options,
                                 FindingSink &Output, Filtering Filter)
    : Core(Rules, Options), ProjectRoot(Options.ProjectRoot), Output(Output),
      Filter(Filter) {
  Core.registerMatchers(Finder, this);
}

FrontEndAdapter::~FrontEndAdapter() = default;

void FrontEndAdapter::beginTranslationUnit(const clang::SourceManager &NewSM,
                                           clang::Preprocessor &PP) {
  SM = &NewSM;
  Nolint = Filter.Nolint ? std::make_unique<NolintFilter>(NewSM) : nullptr;
  Core.registerPPCallbacks(PP, *this);
}

void FrontEndAdapter::matchTranslationUnit(clang::ASTContext &Context) {
  matchUserCode(Finder, Context, ProjectRoot);
}

std::unique_ptr<clang::ASTConsumer>
FrontEndAdapter::beginTranslationUnit(clang::CompilerInstance &CI) {
  beginTranslationUnit(CI.getSourceManager(), CI.getPreprocessor());
  return std::make_unique<MatchingConsumer>(*this);
}

void FrontEndAdapter::run(
    const clang::ast_matchers::MatchFinder::MatchResult &R) {
  Core.interpret(R, *this);
}

void FrontEndAdapter::report(const Finding &F) {
  llvm::StringRef Check = checkName(F.TheRule);
  if (Nolint && Nolint->silences(F.Location, Check))
    return;
  if (Filter.Once && SM) {
    clang::PresumedLoc P = SM->getPresumedLoc(F.Location);
    if (P.isValid() && !Filter.Once->first({P.getFilename(), P.getLine(),
                                            P.getColumn(), Check, F.Api}))
      return;
  }
  Output.report(F);
}

} // namespace vram_only::analysis
