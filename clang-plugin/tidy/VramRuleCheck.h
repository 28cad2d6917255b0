//===- VramRuleCheck.h - A clang-tidy check over one rule of the core -----===//
//
// The shared adapter of the four vram-* checks: it reads the rule's options
// in its constructor (ExtraFunctions, ExemptNames), hands matchers and
// preprocessor callbacks to the core's Analysis, and turns the core's
// findings into clang-tidy diagnostics with their fix-its. The core's
// matchers run on the user's declarations only (core/UserCodeTraversal.h):
// clang-tidy's shared traversal sees one translation-unit matcher.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_TIDY_VRAM_RULE_CHECK_H
#define VRAM_ONLY_TIDY_VRAM_RULE_CHECK_H

#include "core/Analysis.h"

#include "clang-tidy/ClangTidyCheck.h"

#include <string>

namespace vram_only::tidy {

class VramRuleCheck : public clang::tidy::ClangTidyCheck,
                      private analysis::FindingSink {
public:
  VramRuleCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext *Context,
                analysis::Rule TheRule);

  void registerPPCallbacks(const clang::SourceManager &SM,
                           clang::Preprocessor *PP,
                           clang::Preprocessor *ModuleExpanderPP) override;
  void registerMatchers(clang::ast_matchers::MatchFinder *Finder) override;
  void
  check(const clang::ast_matchers::MatchFinder::MatchResult &Result) override;
  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap &Opts) override;

private:
  void report(const analysis::Finding &F) override;
  analysis::AnalysisOptions readOptions(analysis::Rule TheRule);

  /// Passes the matches of the user-code traversal to the core.
  class CoreMatches : public clang::ast_matchers::MatchFinder::MatchCallback {
  public:
    explicit CoreMatches(VramRuleCheck &Check) : Check(Check) {}
    void
    run(const clang::ast_matchers::MatchFinder::MatchResult &Result) override;

  private:
    VramRuleCheck &Check;
  };

  // The options as written, stored back verbatim by storeOptions.
  std::string ExtraFunctions;
  std::string ExemptNames;
  analysis::Analysis Analysis;
  CoreMatches Matches{*this};
  clang::ast_matchers::MatchFinder UserCodeFinder;
};

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_VRAM_RULE_CHECK_H
