//===- VramOnlyPlugin.cpp - The VRAM-only analysis as a clang plugin ------===//
//
//   clang++ -fplugin=build/lib/VramOnlyPlugin.so [-fplugin-arg-vram_only-warn]
//           [-fplugin-arg-vram_only-checks=<globs>] ...
//
// Runs the analysis core before the compile (host and device jobs alike) and
// reports each finding as a compiler diagnostic, an error by default, so the
// compile fails: "<message> [<check>]" at the user's line, with fix-its.
// NOLINT comments work as in clang-tidy.
//
//===----------------------------------------------------------------------===//

#include "core/Analysis.h"
#include "core/ClangTidyConfig.h"
#include "core/NolintFilter.h"
#include "core/UserCodeTraversal.h"
#include "plugin/PluginArguments.h"
#include "plugin/ReportedOnce.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"

namespace vram_only::plugin {
namespace {

/// Turns findings into clang diagnostics of the compile.
class DiagnosticSink : public analysis::FindingSink {
public:
  DiagnosticSink(clang::CompilerInstance &CI, bool Warn)
      : Diags(CI.getDiagnostics()), SM(CI.getSourceManager()), Nolint(SM),
        DiagID(Diags.getCustomDiagID(Warn ? clang::DiagnosticsEngine::Warning
                                          : clang::DiagnosticsEngine::Error,
                                     "%0 [%1]")) {}

  void report(const analysis::Finding &F) override {
    llvm::StringRef Check = analysis::checkName(F.TheRule);
    if (Nolint.silences(F.Location, Check))
      return;
    clang::PresumedLoc P = SM.getPresumedLoc(F.Location);
    if (P.isValid() &&
        !firstReport(P.getFilename(), P.getLine(), P.getColumn(), Check, F.Api))
      return;
    clang::DiagnosticBuilder Diag = Diags.Report(F.Location, DiagID);
    Diag << F.Message << Check;
    for (const clang::FixItHint &Fix : F.FixIts)
      Diag << Fix;
  }

private:
  clang::DiagnosticsEngine &Diags;
  const clang::SourceManager &SM;
  analysis::NolintFilter Nolint;
  unsigned DiagID;
};

/// Owns one translation unit's analysis and matches the user's declarations
/// once the translation unit is parsed.
class PluginConsumer : public clang::ASTConsumer,
                       clang::ast_matchers::MatchFinder::MatchCallback {
public:
  PluginConsumer(clang::CompilerInstance &CI, const PluginArguments &Args,
                 const analysis::AnalysisOptions &Options)
      : Core(Args.Checks, Options), Sink(CI, Args.Warn) {
    Core.registerMatchers(Finder, this);
    Core.registerPPCallbacks(CI.getPreprocessor(), Sink);
  }

  void HandleTranslationUnit(clang::ASTContext &Context) override {
    analysis::matchUserCode(Finder, Context);
  }

private:
  void run(const clang::ast_matchers::MatchFinder::MatchResult &R) override {
    Core.interpret(R, Sink);
  }

  analysis::Analysis Core;
  DiagnosticSink Sink;
  clang::ast_matchers::MatchFinder Finder;
};

class VramOnlyPluginAction : public clang::PluginASTAction {
protected:
  std::unique_ptr<clang::ASTConsumer>
  CreateASTConsumer(clang::CompilerInstance &CI,
                    llvm::StringRef InFile) override {
    // The checks' options from the project's .clang-tidy, as clang-tidy
    // reads them; a bad option is an error of the compile.
    analysis::LoadedConfig Config =
        analysis::loadClangTidyConfigFor(
            InFile, CI.getFileManager().getVirtualFileSystemPtr());
    clang::DiagnosticsEngine &Diags = CI.getDiagnostics();
    for (const std::string &Error : Config.Errors)
      Diags.Report(Diags.getCustomDiagID(clang::DiagnosticsEngine::Error,
                                         "vram_only plugin: %0"))
          << Error;
    return std::make_unique<PluginConsumer>(CI, Args, Config.Options);
  }

  bool ParseArgs(const clang::CompilerInstance &CI,
                 const std::vector<std::string> &Arguments) override {
    llvm::Expected<PluginArguments> Parsed = parsePluginArguments(Arguments);
    if (!Parsed) {
      clang::DiagnosticsEngine &Diags = CI.getDiagnostics();
      Diags.Report(Diags.getCustomDiagID(clang::DiagnosticsEngine::Error,
                                         "vram_only plugin: %0"))
          << llvm::toString(Parsed.takeError());
      return false;
    }
    Args = *Parsed;
    return true;
  }

  ActionType getActionType() override { return AddBeforeMainAction; }

private:
  PluginArguments Args;
};

clang::FrontendPluginRegistry::Add<VramOnlyPluginAction>
    Registration("vram_only", "VRAM-only policy: forbid managed, pinned, "
                              "registered and mapped host memory");

} // namespace
} // namespace vram_only::plugin
