//===- JobProcess.cpp - One clang run in a child process ------------------===//

#include "JobProcess.h"

#include "PrivateTempDir.h"

#include "clang/Tooling/DiagnosticsYaml.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

LLVM_YAML_IS_SEQUENCE_VECTOR(vram_only::ReportedFinding)
LLVM_YAML_IS_SEQUENCE_VECTOR(vram_only::NotePlace)
LLVM_YAML_IS_STRING_MAP(std::string)

namespace llvm::yaml {

template <> struct MappingTraits<vram_only::NotePlace> {
  static void mapping(IO &Io, vram_only::NotePlace &P) {
    Io.mapRequired("Line", P.Line);
    Io.mapRequired("Column", P.Column);
    Io.mapOptional("SourceLine", P.SourceLine);
  }
};

/// clang's keys of a diagnostic, then ReportedFinding's own.
template <> struct MappingTraits<vram_only::ReportedFinding> {
  static void mapping(IO &Io, vram_only::ReportedFinding &F) {
    MappingTraits<clang::tooling::Diagnostic>::mapping(Io, F);
    Io.mapRequired("Api", F.Api);
    Io.mapRequired("Line", F.Line);
    Io.mapRequired("Column", F.Column);
    Io.mapOptional("SourceLine", F.SourceLine);
    // Where each of clang's Notes lies, in their order.
    Io.mapOptional("NotePlaces", F.NotePlaces);
    Io.mapOptional("FixedTextHashes", F.FixedTextHashes);
  }
};

template <> struct ScalarEnumerationTraits<vram_only::FailureKind> {
  static void enumeration(IO &Io, vram_only::FailureKind &Kind) {
    using vram_only::FailureKind;
    Io.enumCase(Kind, "Missing", FailureKind::Missing);
    Io.enumCase(Kind, "Command", FailureKind::Command);
    Io.enumCase(Kind, "Config", FailureKind::Config);
    Io.enumCase(Kind, "Parse", FailureKind::Parse);
    Io.enumCase(Kind, "Crash", FailureKind::Crash);
  }
};

/// The side's file and name are the parent's: only why it failed crosses.
template <> struct MappingTraits<vram_only::AnalysisFailure> {
  static void mapping(IO &Io, vram_only::AnalysisFailure &F) {
    Io.mapRequired("Kind", F.Kind);
    Io.mapRequired("Reason", F.Reason);
  }
};

/// A TranslationUnitDiagnostics document, and what the parent needs besides.
template <> struct MappingTraits<vram_only::JobOutcome> {
  static void mapping(IO &Io, vram_only::JobOutcome &O) {
    Io.mapRequired("MainSourceFile", O.MainSourceFile);
    Io.mapRequired("Diagnostics", O.Diagnostics);
    Io.mapRequired("Errors", O.Errors);
    Io.mapOptional("NotAnalysed", O.Failure);
  }
};

} // namespace llvm::yaml

namespace vram_only {
namespace {

/// yaml::Output ends a document with this line: an outcome without it was
/// not written to its end.
constexpr llvm::StringLiteral DocumentEnd = "...\n";

JobOutcome notAnalysed(const AnalysisJob &Job, const llvm::Twine &Reason) {
  JobOutcome Outcome;
  Outcome.Failure = AnalysisFailure{Job.Source, Job.sideName(), Reason.str(),
                                    FailureKind::Crash};
  return Outcome;
}

} // namespace

JobOutcome runAnalysisJobInChild(const AnalysisJob &Job,
                                 llvm::StringRef SelfExecutable,
                                 llvm::StringRef Checks) {
  llvm::ErrorOr<std::string> Created = createPrivateTemporaryFile(
      "job", "json",
      [&](llvm::raw_ostream &OS) { writeCompileDatabase({Job}, OS); });
  if (!Created)
    return notAnalysed(Job, "cannot write a temporary file: " +
                                Created.getError().message());
  std::string JobFile = *Created;
  std::string OutcomeFile = JobFile + ".yaml";
  llvm::sys::RemoveFileOnSignal(OutcomeFile);
  auto Cleanup = llvm::make_scope_exit([&] {
    for (const std::string &File : {JobFile, OutcomeFile}) {
      llvm::sys::fs::remove(File);
      llvm::sys::DontRemoveFileOnSignal(File);
    }
  });
  std::string RunJob = ("--" + InternalRunJobOption + "=" + JobFile).str();
  std::string Parent =
      ("--" + InternalParentOption + "=" + llvm::Twine(::getpid())).str();
  std::string ChecksArg = ("--checks=" + Checks).str();
  std::string RootArg = "--source-root=" + Job.ProjectRoot;
  llvm::SmallVector<llvm::StringRef, 5> Args = {SelfExecutable, RunJob, Parent,
                                                ChecksArg};
  if (!Job.ProjectRoot.empty())
    Args.push_back(RootArg);
  // The child's own stderr (a crash's stack dump) is not the user's
  // business: the outcome says what happened.
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(""),
                                                llvm::StringRef(""),
                                                llvm::StringRef("")};
  std::string ErrorMessage;
  int Code = llvm::sys::ExecuteAndWait(SelfExecutable, Args, std::nullopt,
                                       Redirects, 0, 0, &ErrorMessage);
  if (Code == -2)
    return notAnalysed(Job, "clang crashed (" + ErrorMessage + ") parsing it");
  if (Code < 0)
    return notAnalysed(Job, "cannot run '" + SelfExecutable + "': " +
                                ErrorMessage);
  JobOutcome Outcome;
  auto Buffer = llvm::MemoryBuffer::getFile(OutcomeFile, /*IsText=*/true);
  bool Read = Buffer && (*Buffer)->getBuffer().ends_with(DocumentEnd);
  if (Read) {
    llvm::yaml::Input YAML((*Buffer)->getBuffer());
    YAML >> Outcome;
    Read = !YAML.error();
  }
  if (!Read)
    return notAnalysed(Job, "clang stopped (exit code " + llvm::Twine(Code) +
                                ") without a result");
  if (Outcome.Failure) {
    Outcome.Failure->File = Job.Source;
    Outcome.Failure->Side = Job.sideName();
  }
  for (ReportedFinding &F : Outcome.Diagnostics)
    F.NotePlaces.resize(F.Notes.size()); // the outputs read one per note
  return Outcome;
}

int runJobFile(llvm::StringRef JobFile, int Parent, llvm::StringRef ProjectRoot,
               analysis::RuleSet Rules) {
  std::string Error;
  std::unique_ptr<clang::tooling::JSONCompilationDatabase> Database =
      clang::tooling::JSONCompilationDatabase::loadFromFile(
          JobFile, Error, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  std::vector<clang::tooling::CompileCommand> Commands =
      Database ? Database->getAllCompileCommands()
               : std::vector<clang::tooling::CompileCommand>();
  if (Commands.size() != 1) {
    llvm::errs() << "vram-check: error: cannot read the job '" << JobFile
                 << "'\n";
    return 2;
  }
  std::string OutcomeFile = (JobFile + ".yaml").str();
  if (!dieWithParent(Parent, {JobFile.str(), OutcomeFile}))
    return 2; // nobody is left to read the outcome
  AnalysisJob Job;
  Job.Source = Commands.front().Filename;
  Job.Directory = Commands.front().Directory;
  Job.Argv = Commands.front().CommandLine;
  Job.ProjectRoot = ProjectRoot.str();
  JobOutcome Outcome = runAnalysisJob(Job, Rules);
  Outcome.MainSourceFile = Job.Source;
  std::error_code EC;
  llvm::raw_fd_ostream OS(OutcomeFile, EC, llvm::sys::fs::OF_Text);
  if (EC)
    return 2;
  llvm::yaml::Output YAML(OS);
  YAML << Outcome;
  OS.close();
  EC = OS.error();
  OS.clear_error(); // the parent sees no document end: a crash
  return EC ? 2 : 0;
}

} // namespace vram_only
