//===- JobRunner.cpp - One clang run of the analysis ----------------------===//

#include "JobRunner.h"

#include "Fixes.h"
#include "InactiveBranches.h"

#include "core/ClangTidyConfig.h"
#include "core/FrontEndAdapter.h"

#include "clang/AST/ASTConsumer.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace vram_only {
namespace {

/// Turns the core's findings into clang's diagnostics while the run's
/// SourceManager lives, each file named by its absolute path: clang names a
/// header found through a relative include directory relative to the
/// compile's directory, which is not where vram-check runs (nor, with -p,
/// where the report is read).
class CollectingSink : public analysis::FindingSink {
public:
  CollectingSink(std::vector<ReportedFinding> &Out, std::string Directory)
      : Out(Out), Directory(std::move(Directory)) {}

  void startFile(const clang::SourceManager &NewSM) { SM = &NewSM; }

  void report(const analysis::Finding &F) override {
    if (!SM)
      return;
    ReportedFinding R;
    R.DiagnosticName = analysis::checkName(F.TheRule).str();
    R.Message = message(F.Message, F.Location, R.Line, R.Column, R.SourceLine);
    R.BuildDirectory = Directory;
    R.Api = F.Api;
    for (const analysis::FindingNote &Note : F.Notes) {
      NotePlace &At = R.NotePlaces.emplace_back();
      R.Notes.push_back(
          message(Note.Message, Note.Location, At.Line, At.Column,
                  At.SourceLine));
    }
    for (const clang::FixItHint &Fix : F.FixIts) {
      clang::tooling::Replacement Rep(*SM, Fix.RemoveRange, Fix.CodeToInsert);
      if (Rep.getFilePath().empty() || Rep.getFilePath() == "invalid-location")
        continue;
      std::string Path = absolutePath(Rep.getFilePath(), Directory);
      llvm::consumeError(R.Message.Fix[Path].add(
          clang::tooling::Replacement(Path, Rep.getOffset(), Rep.getLength(),
                                      Rep.getReplacementText())));
      clang::FileID Fixed =
          SM->getFileID(SM->getSpellingLoc(Fix.RemoveRange.getBegin()));
      bool FixedInvalid = false;
      llvm::StringRef Text = SM->getBufferData(Fixed, &FixedInvalid);
      if (!FixedInvalid)
        R.FixedTextHashes[Path] = contentHash(Text);
    }
    Out.push_back(std::move(R));
  }

private:
  /// clang's message \p Text at the file location \p Loc (its file by
  /// absolute path), and the location's line, column and line text.
  clang::tooling::DiagnosticMessage message(llvm::StringRef Text,
                                            clang::SourceLocation Loc,
                                            unsigned &Line, unsigned &Column,
                                            std::string &SourceLine) const {
    clang::tooling::DiagnosticMessage Message(Text, *SM, Loc);
    if (!Message.FilePath.empty()) // empty: scratch space, no file
      Message.FilePath = absolutePath(Message.FilePath, Directory);
    Line = SM->getSpellingLineNumber(Loc);
    Column = SM->getSpellingColumnNumber(Loc);
    bool Invalid = false;
    llvm::StringRef Buffer = SM->getBufferData(SM->getFileID(Loc), &Invalid);
    if (!Invalid)
      SourceLine = Buffer.substr(Message.FileOffset - (Column - 1))
                       .split('\n')
                       .first.rtrim("\r")
                       .str();
    return Message;
  }

  std::vector<ReportedFinding> &Out;
  std::string Directory;
  const clang::SourceManager *SM = nullptr;
};

/// Parses the source with the core's preprocessor callbacks and matchers
/// (through the front-end adapter, which drops what NOLINT silences; the
/// sides of a source are merged by AnalysisReport::normalise).
class AnalysisAction : public clang::ASTFrontendAction {
public:
  AnalysisAction(analysis::RuleSet Rules,
                 const analysis::AnalysisOptions &Options, JobOutcome &Out,
                 std::string Directory)
      : Rules(Rules), Out(Out), Sink(Out.Diagnostics, Directory),
        Directory(std::move(Directory)), ProjectRoot(Options.ProjectRoot),
        Adapter(Rules, Options, Sink, {/*Nolint=*/true, /*Once=*/nullptr}) {}

  std::unique_ptr<clang::ASTConsumer>
  CreateASTConsumer(clang::CompilerInstance &CI, llvm::StringRef) override {
    Sink.startFile(CI.getSourceManager());
    auto Recorder = std::make_unique<InactiveBranchRecorder>(
        CI.getSourceManager(), ProjectRoot);
    Inactive = Recorder.get();
    CI.getPreprocessor().addPPCallbacks(std::move(Recorder));
    return Adapter.beginTranslationUnit(CI);
  }

  void EndSourceFileAction() override {
    if (!Inactive)
      return;
    for (ReportedFinding &F : Inactive->policyNames(Rules)) {
      F.BuildDirectory = Directory;
      // As the findings name their files.
      F.Message.FilePath = absolutePath(F.file(), Directory);
      Out.Diagnostics.push_back(std::move(F));
    }
  }

private:
  analysis::RuleSet Rules;
  JobOutcome &Out;
  CollectingSink Sink;
  std::string Directory;
  std::string ProjectRoot;
  analysis::FrontEndAdapter Adapter;
  InactiveBranchRecorder *Inactive = nullptr; // owned by the preprocessor
};

/// Keeps clang's errors (warnings are not ours to report), clang-style,
/// each file named by its absolute path (relative ones are relative to the
/// job's \p Directory).
class ErrorCollector : public clang::DiagnosticConsumer {
public:
  explicit ErrorCollector(std::string Directory)
      : Directory(std::move(Directory)) {}

  void HandleDiagnostic(clang::DiagnosticsEngine::Level Level,
                        const clang::Diagnostic &Info) override {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    if (Level < clang::DiagnosticsEngine::Error)
      return;
    llvm::SmallString<128> Text;
    Info.FormatDiagnostic(Text);
    std::string Where;
    if (Info.getLocation().isValid() && Info.hasSourceManager()) {
      clang::PresumedLoc P =
          Info.getSourceManager().getPresumedLoc(Info.getLocation());
      if (P.isValid())
        Where = absolutePath(P.getFilename(), Directory) + ":" +
                std::to_string(P.getLine()) +
                ":" + std::to_string(P.getColumn()) + ": ";
    }
    Errors.push_back(Where + (Level == clang::DiagnosticsEngine::Fatal
                                  ? "fatal error: "
                                  : "error: ") +
                     Text.str().str());
  }

  std::vector<std::string> Errors;

private:
  std::string Directory;
};

} // namespace

JobOutcome runAnalysisJob(const AnalysisJob &Job, analysis::RuleSet Rules) {
  JobOutcome Outcome;
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS =
      llvm::vfs::createPhysicalFileSystem();
  if (std::error_code EC = FS->setCurrentWorkingDirectory(Job.Directory)) {
    Outcome.Failure = AnalysisFailure{
        Job.Source, Job.sideName(),
        "cannot enter its directory '" + Job.Directory + "': " + EC.message(),
        FailureKind::Command};
    return Outcome;
  }
  if (Job.Source != "-" && !FS->exists(Job.Source)) {
    Outcome.Failure = AnalysisFailure{
        Job.Source, Job.sideName(),
        "no such file (a file the build generates? run vram-check after the "
        "build's generation steps, or as its compiler launcher)",
        FailureKind::Missing};
    return Outcome;
  }
  // The checks' options from the project's .clang-tidy, as clang-tidy reads
  // them; a bad option stops the analysis of this source.
  analysis::LoadedConfig Config =
      analysis::loadClangTidyConfigFor(Job.Source, FS);
  if (!Config.Errors.empty()) {
    Outcome.Errors = Config.Errors;
    Outcome.Failure =
        AnalysisFailure{Job.Source, Job.sideName(),
                        "bad configuration: " + Config.Errors.front(),
                        FailureKind::Config};
    return Outcome;
  }
  Config.Options.ProjectRoot = Job.ProjectRoot;
  llvm::IntrusiveRefCntPtr<clang::FileManager> Files(
      new clang::FileManager(clang::FileSystemOptions(), FS));
  ErrorCollector Errors(Job.Directory);
  // The errors are kept as one line each (ErrorCollector).
  clang::tooling::ToolInvocation Invocation(
      clang::tooling::getInsertArgumentAdjuster("-fno-caret-diagnostics")(
          Job.Argv, Job.Source),
      std::make_unique<AnalysisAction>(Rules, Config.Options, Outcome,
                                       Job.Directory),
      Files.get());
  Invocation.setDiagnosticConsumer(&Errors);
  bool Ran = Invocation.run();
  Outcome.Errors = Errors.Errors;
  if (!Ran || Errors.getNumErrors() > 0) {
    std::string Reason =
        Errors.Errors.empty() ? "clang could not run" : Errors.Errors.front();
    if (Errors.Errors.size() > 1)
      Reason += " (and " + std::to_string(Errors.Errors.size() - 1) +
                " more error" + (Errors.Errors.size() > 2 ? "s" : "") + ")";
    Outcome.Failure =
        AnalysisFailure{Job.Source, Job.sideName(), Reason, FailureKind::Parse};
  }
  return Outcome;
}

} // namespace vram_only
