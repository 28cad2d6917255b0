//===- FrontEndAdapter.h - What every front end does with the core ---------===//
//
// The compiler plugin and vram-check each run the core over a translation
// unit the same way; this adapter is that one way (the clang-tidy checks
// register the core with clang-tidy's own MatchFinder instead):
//
//   FrontEndAdapter Adapter(Rules, Options, Output, {Nolint, Once});
//   Adapter.beginTranslationUnit(SM, PP);     // before parsing
//   Adapter.matchTranslationUnit(Context);    // once it is parsed
//   (or, from a FrontendAction: return Adapter.beginTranslationUnit(CI);)
//
// It receives the matches of the core's matchers (over the user's
// declarations only, core/UserCodeTraversal.h) and its preprocessor
// findings, drops what a NOLINT comment silences (clang-tidy's own handling,
// core/NolintFilter.h; it can be turned off) and what another side of the same compile (host, device)
// has already reported, and passes the rest to the front end's Output.
//
// Ownership and thread-safety: owns its Analysis and MatchFinder; Output
// and Once are the caller's and must outlive it. One translation unit at a
// time, on one thread.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_FRONT_END_ADAPTER_H
#define VRAM_ONLY_ANALYSIS_FRONT_END_ADAPTER_H

#include "core/Analysis.h"
#include "core/Finding.h"
#include "core/NolintFilter.h"

#include "clang/ASTMatchers/ASTMatchFinder.h"

#include <memory>

namespace clang {
class ASTConsumer;
class CompilerInstance;
class Preprocessor;
class SourceManager;
} // namespace clang

namespace vram_only::analysis {

/// Where a finding is reported, as every side of a compile sees it.
struct ReportKey {
  llvm::StringRef File; ///< presumed file name
  unsigned Line;
  unsigned Column;
  llvm::StringRef Check;
  llvm::StringRef Api;
};

/// Remembers what the sides of one compile (host, each device) reported.
class ReportedOnce {
public:
  virtual ~ReportedOnce() = default;
  /// true the first time \p Key is reported in this compile.
  virtual bool first(const ReportKey &Key) = 0;
};

class FrontEndAdapter : private clang::ast_matchers::MatchFinder::MatchCallback,
                        private FindingSink {
public:
  struct Filtering {
    bool Nolint = true;            ///< drop what NOLINT comments silence
    ReportedOnce *Once = nullptr;  ///< drop what another side reported
  };

  FrontEndAdapter(RuleSet Rules, const AnalysisOptions &Options,
                  FindingSink &Output, Filtering Filter);
  ~FrontEndAdapter() override;

  /// Starts a translation unit: the preprocessor callbacks of the core, and
  /// NOLINT comments read through \p SM. Call before it is parsed.
  void beginTranslationUnit(const clang::SourceManager &SM,
                            clang::Preprocessor &PP);
  /// Runs the matchers over the parsed translation unit's own declarations.
  void matchTranslationUnit(clang::ASTContext &Context);

  /// For a FrontendAction's CreateASTConsumer: begins the translation unit
  /// of \p CI and returns the consumer that matches it once parsed.
  std::unique_ptr<clang::ASTConsumer>
  beginTranslationUnit(clang::CompilerInstance &CI);

private:
  void run(const clang::ast_matchers::MatchFinder::MatchResult &R) override;
  void report(const Finding &F) override;

  Analysis Core;
  std::string ProjectRoot; ///< AnalysisOptions::ProjectRoot
  clang::ast_matchers::MatchFinder Finder;
  FindingSink &Output;
  Filtering Filter;
  const clang::SourceManager *SM = nullptr;
  std::unique_ptr<NolintFilter> Nolint;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_FRONT_END_ADAPTER_H
