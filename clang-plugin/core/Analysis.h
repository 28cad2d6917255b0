//===- Analysis.h - The VRAM-only analysis, for every front end -----------===//
//
// The one entry point of the core. A front end (clang-tidy check, compiler
// plugin, vram-check) creates an Analysis for the rules it runs, then per
// translation unit:
//
//   Analysis A(RuleSet::all(), Options);
//   A.registerMatchers(Finder, &Callback);      // once, with its MatchFinder
//   A.registerPPCallbacks(PP, Sink);           // per TU, before parsing
//   ... Callback::run(Result) { A.interpret(Result, Sink); }
//
// Findings arrive at the FindingSink already placed in the user's file,
// worded, de-duplicated (one per rule, location and api in a translation
// unit) and filtered (nothing in system or CUDA toolkit headers).
//
// Thread-safety: an Analysis is used by one thread at a time; run one per
// worker thread to analyse translation units in parallel.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_ANALYSIS_H
#define VRAM_ONLY_ANALYSIS_ANALYSIS_H

#include "core/Finding.h"
#include "core/Options.h"
#include "core/Rule.h"

#include "clang/ASTMatchers/ASTMatchFinder.h"

#include <memory>

namespace clang {
class Preprocessor;
} // namespace clang

namespace vram_only::analysis {

class PolicyIndex;
class Reporter;

class Analysis {
public:
  explicit Analysis(RuleSet Rules, const AnalysisOptions &Options = {});
  ~Analysis();
  Analysis(const Analysis &) = delete;
  Analysis &operator=(const Analysis &) = delete;

  RuleSet rules() const;

  /// Adds the AST matchers of the enabled rules to \p Finder. Their matches
  /// go to \p Callback, which passes them to interpret(). The Analysis must
  /// outlive \p Finder's use of the matchers.
  void registerMatchers(
      clang::ast_matchers::MatchFinder &Finder,
      clang::ast_matchers::MatchFinder::MatchCallback *Callback) const;

  /// Starts a translation unit: what was reported before is forgotten.
  void beginTranslationUnit();

  /// Starts a translation unit and adds the preprocessor callbacks (forbidden
  /// macro expansions, e.g. __managed__, cudaHostAllocMapped) to \p PP,
  /// reporting to \p Sink. Call before the translation unit is parsed;
  /// \p Sink must outlive the preprocessor.
  void registerPPCallbacks(clang::Preprocessor &PP, FindingSink &Sink);

  /// Reports the findings of one match of the registered matchers.
  void interpret(const clang::ast_matchers::MatchFinder::MatchResult &Result,
                 FindingSink &Sink);

private:
  std::unique_ptr<PolicyIndex> Index;
  std::unique_ptr<Reporter> Report;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_ANALYSIS_H
