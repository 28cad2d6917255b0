//===- VramRuleCheck.cpp - A clang-tidy check over one rule of the core ---===//
#include "tidy/VramRuleCheck.h"

#include "tidy/UserCodeScope.h"

namespace vram_only::tidy {

VramRuleCheck::VramRuleCheck(llvm::StringRef Name,
                             clang::tidy::ClangTidyContext *Context,
                             analysis::Rule TheRule)
    : ClangTidyCheck(Name, Context), TidyContext(*Context),
      ExtraFunctions(Options.get(analysis::ExtraFunctionsOption, "")),
      ExemptNames(Options.get(analysis::ExemptNamesOption, "")),
      Core(analysis::RuleSet::only(TheRule), readOptions(TheRule)) {}

analysis::AnalysisOptions VramRuleCheck::readOptions(analysis::Rule TheRule) {
  std::vector<std::string> Errors;
  analysis::AnalysisOptions Parsed;
  Parsed.of(TheRule) = analysis::parseRuleOptions(TheRule, ExtraFunctions,
                                                  ExemptNames, Errors);
  for (const std::string &Error : Errors)
    configurationDiag("%0", clang::DiagnosticIDs::Error) << Error;
  return Parsed;
}

void VramRuleCheck::registerPPCallbacks(const clang::SourceManager &,
                                        clang::Preprocessor *PP,
                                        clang::Preprocessor *) {
  Core.registerPPCallbacks(*PP, *this);
}

void VramRuleCheck::registerMatchers(clang::ast_matchers::MatchFinder *Finder) {
  // The first match of a traversal: where it may be kept to the user's code
  // (tidy/UserCodeScope.h).
  Finder->addMatcher(clang::ast_matchers::translationUnitDecl().bind(
                         "vram-translation-unit"),
                     this);
  Core.registerMatchers(*Finder, this);
}

void VramRuleCheck::check(
    const clang::ast_matchers::MatchFinder::MatchResult &Result) {
  if (Result.Nodes.getNodeAs<clang::TranslationUnitDecl>(
          "vram-translation-unit")) {
    keepTraversalToUserCode(*Result.Context, TidyContext);
    return;
  }
  Core.interpret(Result, *this);
}

void VramRuleCheck::storeOptions(
    clang::tidy::ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, analysis::ExtraFunctionsOption, ExtraFunctions);
  Options.store(Opts, analysis::ExemptNamesOption, ExemptNames);
}

void VramRuleCheck::report(const analysis::Finding &F) {
  {
    clang::DiagnosticBuilder Diag = diag(F.Location, "%0") << F.Message;
    for (const clang::FixItHint &Fix : F.FixIts)
      Diag << Fix;
  } // emitted here, before its notes
  for (const analysis::FindingNote &Note : F.Notes)
    diag(Note.Location, "%0", clang::DiagnosticIDs::Note) << Note.Message;
}

} // namespace vram_only::tidy
