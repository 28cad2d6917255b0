//===- VramRuleCheck.h - A clang-tidy check over one rule of the core -----===//
//
// The shared class of the four vram-* checks: it reads the rule's options
// in its constructor (ExtraFunctions, ExemptNames), runs the core through the
// front-end adapter that the plugin and vram-check use too
// (core/FrontEndAdapter.h; NOLINT is left to clang-tidy, which applies it to
// every check), and turns the core's findings into clang-tidy diagnostics
// with their fix-its. The core's matchers run on the user's declarations only
// (core/UserCodeTraversal.h): clang-tidy's shared traversal sees one
// translation-unit matcher.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_TIDY_VRAM_RULE_CHECK_H
#define VRAM_ONLY_TIDY_VRAM_RULE_CHECK_H

#include "core/FrontEndAdapter.h"

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

  // The options as written, stored back verbatim by storeOptions.
  std::string ExtraFunctions;
  std::string ExemptNames;
  analysis::FrontEndAdapter Adapter;
};

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_VRAM_RULE_CHECK_H
