//===- VramRuleCheck.h - A clang-tidy check over one rule of the core -----===//
//
// The class of the four vram-* checks, one instance per rule: it reads the
// rule's options in its constructor (ExtraFunctions, ExemptNames), registers
// the core's matchers with clang-tidy's own MatchFinder and the core's
// preprocessor callbacks with clang-tidy's preprocessor, and turns the core's
// findings into clang-tidy diagnostics with their fix-its. clang-tidy applies
// NOLINT, the header filter and the check globs itself, as for any check.
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

  clang::tidy::ClangTidyContext &TidyContext;
  // The options as written, stored back verbatim by storeOptions.
  std::string ExtraFunctions;
  std::string ExemptNames;
  analysis::Analysis Core;
};

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_VRAM_RULE_CHECK_H
