//===- VramOnlyPlugin.cpp - The VRAM-only analysis as a clang plugin ------===//
//
//   clang++ -fplugin=build/lib/VramOnlyPlugin.so [-fplugin-arg-vram_only-warn]
//           [-fplugin-arg-vram_only-checks=<globs>] ...
//
// Runs the analysis core before the compile (host and device jobs alike) and
// reports each finding as a compiler diagnostic, an error by default, so the
// compile fails: "<message> [<check>]" at the user's line, with fix-its.
// NOLINT comments work as in clang-tidy (core/FrontEndAdapter.h).
//
//===----------------------------------------------------------------------===//

#include "core/ClangTidyConfig.h"
#include "core/FrontEndAdapter.h"
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
      : Diags(CI.getDiagnostics()),
        DiagID(Diags.getCustomDiagID(Warn ? clang::DiagnosticsEngine::Warning
                                          : clang::DiagnosticsEngine::Error,
                                     "%0 [%1]")),
        NoteID(Diags.getCustomDiagID(clang::DiagnosticsEngine::Note, "%0")) {}

  void report(const analysis::Finding &F) override {
    {
      clang::DiagnosticBuilder Diag = Diags.Report(F.Location, DiagID);
      Diag << F.Message << analysis::checkName(F.TheRule);
      for (const clang::FixItHint &Fix : F.FixIts)
        Diag << Fix;
    } // emitted here, before its notes
    for (const analysis::FindingNote &Note : F.Notes)
      Diags.Report(Note.Location, NoteID) << Note.Message;
  }

private:
  clang::DiagnosticsEngine &Diags;
  unsigned DiagID;
  unsigned NoteID;
};

/// The cc1 jobs of one compile (host, each device) report a finding once
/// (plugin/ReportedOnce.h).
class CompileReportedOnce : public analysis::ReportedOnce {
public:
  bool first(const analysis::ReportKey &K) override {
    return firstReport(K.File, K.Line, K.Column, K.Check, K.Api);
  }
};

/// One translation unit: the core through the front-end adapter, whose
/// findings become diagnostics.
class PluginConsumer : public clang::ASTConsumer {
public:
  PluginConsumer(clang::CompilerInstance &CI, const PluginArguments &Args,
                 const analysis::AnalysisOptions &Options)
      : Sink(CI, Args.Warn),
        Adapter(Args.Checks, Options, Sink, {/*Nolint=*/true, &Once}) {
    Adapter.beginTranslationUnit(CI.getSourceManager(), CI.getPreprocessor());
  }

  void HandleTranslationUnit(clang::ASTContext &Context) override {
    Adapter.matchTranslationUnit(Context);
  }

private:
  DiagnosticSink Sink;
  CompileReportedOnce Once;
  analysis::FrontEndAdapter Adapter;
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
