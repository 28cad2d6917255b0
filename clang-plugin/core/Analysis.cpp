//===- Analysis.cpp - The VRAM-only analysis, for every front end ---------===//
#include "core/Analysis.h"

#include "core/Interpreter.h"
#include "core/MacroUseCallbacks.h"
#include "core/Matchers.h"
#include "core/PolicyIndex.h"
#include "core/Reporter.h"

#include "clang/Lex/Preprocessor.h"

namespace vram_only::analysis {

Analysis::Analysis(RuleSet Rules, const AnalysisOptions &Options)
    : Index(std::make_unique<PolicyIndex>(Rules, Options)),
      Report(std::make_unique<Reporter>(Options.ProjectRoot)) {}

Analysis::~Analysis() = default;

RuleSet Analysis::rules() const { return Index->rules(); }

void Analysis::registerMatchers(
    clang::ast_matchers::MatchFinder &Finder,
    clang::ast_matchers::MatchFinder::MatchCallback *Callback) const {
  registerPolicyMatchers(Finder, *Index, Callback);
}

void Analysis::beginTranslationUnit() {
  Report->beginTranslationUnit();
  Index->beginTranslationUnit();
}

void Analysis::registerPPCallbacks(clang::Preprocessor &PP, FindingSink &Sink) {
  beginTranslationUnit();
  if (Index->hasMacros())
    PP.addPPCallbacks(makeMacroUseCallbacks(PP, *Index, *Report, Sink));
}

void Analysis::interpret(
    const clang::ast_matchers::MatchFinder::MatchResult &Result,
    FindingSink &Sink) {
  interpretMatch(Result, *Index, *Report, Sink);
}

} // namespace vram_only::analysis
