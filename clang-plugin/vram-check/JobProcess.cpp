//===- JobProcess.cpp - One clang run in a child process ------------------===//

#include "JobProcess.h"

#include "PrivateTempDir.h"

#include "clang/Tooling/Core/Replacement.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

namespace vram_only {
namespace {

namespace json = llvm::json;

json::Value toJson(const AnalysisJob &Job) {
  json::Array Argv;
  for (const std::string &Arg : Job.Argv)
    Argv.push_back(Arg);
  return json::Object{{"source", Job.Source},
                      {"directory", Job.Directory},
                      {"side", static_cast<int64_t>(Job.Side)},
                      {"gpu_arch", Job.GpuArch},
                      {"project_root", Job.ProjectRoot},
                      {"argv", std::move(Argv)}};
}

std::optional<AnalysisJob> jobFromJson(const json::Value &V) {
  const json::Object *O = V.getAsObject();
  if (!O)
    return std::nullopt;
  AnalysisJob Job;
  auto Source = O->getString("source");
  auto Directory = O->getString("directory");
  auto Side = O->getInteger("side");
  auto Arch = O->getString("gpu_arch");
  const json::Array *Argv = O->getArray("argv");
  if (!Source || !Directory || !Side || !Arch || !Argv)
    return std::nullopt;
  Job.Source = Source->str();
  Job.Directory = Directory->str();
  Job.Side = static_cast<JobSide>(*Side);
  Job.GpuArch = Arch->str();
  Job.ProjectRoot = O->getString("project_root").value_or("").str();
  for (const json::Value &Arg : *Argv)
    if (auto S = Arg.getAsString())
      Job.Argv.push_back(S->str());
  return Job;
}

// Every field of a finding crosses from the child to the parent, the
// fix-its included: --fix and --export-fixes work on what the parent gets.
json::Value toJson(const clang::tooling::Replacement &R) {
  return json::Object{{"file", R.getFilePath()},
                      {"offset", R.getOffset()},
                      {"length", R.getLength()},
                      {"text", R.getReplacementText()}};
}

std::optional<clang::tooling::Replacement>
replacementFromJson(const json::Value &V) {
  const json::Object *O = V.getAsObject();
  if (!O)
    return std::nullopt;
  auto File = O->getString("file");
  auto Offset = O->getInteger("offset");
  auto Length = O->getInteger("length");
  auto Text = O->getString("text");
  if (!File || !Offset || !Length || !Text || *Offset < 0 || *Length < 0)
    return std::nullopt;
  return clang::tooling::Replacement(*File, static_cast<unsigned>(*Offset),
                                     static_cast<unsigned>(*Length), *Text);
}

json::Value toJson(const ReportedFinding &F) {
  json::Array Notes;
  for (const ReportedNote &N : F.Notes)
    Notes.push_back(json::Object{{"file", N.File},
                                 {"line", N.Line},
                                 {"column", N.Column},
                                 {"message", N.Message},
                                 {"source_line", N.SourceLine}});
  json::Array Fixes;
  for (const clang::tooling::Replacement &R : F.Fixes)
    Fixes.push_back(toJson(R));
  json::Object Hashes;
  for (const auto &[Path, Hash] : F.FixedTextHashes)
    Hashes[Path] = Hash;
  return json::Object{{"file", F.File},
                      {"line", F.Line},
                      {"column", F.Column},
                      {"check", F.Check},
                      {"api", F.Api},
                      {"message", F.Message},
                      {"source_line", F.SourceLine},
                      {"notes", std::move(Notes)},
                      {"absolute_file", F.AbsoluteFile},
                      {"file_offset", F.FileOffset},
                      {"fixes", std::move(Fixes)},
                      {"fixed_text_hashes", std::move(Hashes)},
                      {"scan_reason", F.ScanReason}};
}

std::optional<ReportedFinding> findingFromJson(const json::Value &V) {
  const json::Object *F = V.getAsObject();
  if (!F)
    return std::nullopt;
  ReportedFinding R;
  R.File = F->getString("file").value_or("").str();
  R.Line = static_cast<unsigned>(F->getInteger("line").value_or(0));
  R.Column = static_cast<unsigned>(F->getInteger("column").value_or(0));
  R.Check = F->getString("check").value_or("").str();
  R.Api = F->getString("api").value_or("").str();
  R.Message = F->getString("message").value_or("").str();
  R.SourceLine = F->getString("source_line").value_or("").str();
  R.AbsoluteFile = F->getString("absolute_file").value_or("").str();
  R.FileOffset =
      static_cast<unsigned>(F->getInteger("file_offset").value_or(0));
  R.ScanReason = F->getString("scan_reason").value_or("").str();
  if (const json::Array *Notes = F->getArray("notes"))
    for (const json::Value &Item : *Notes) {
      const json::Object *N = Item.getAsObject();
      if (!N)
        return std::nullopt;
      R.Notes.push_back(
          {N->getString("file").value_or("").str(),
           static_cast<unsigned>(N->getInteger("line").value_or(0)),
           static_cast<unsigned>(N->getInteger("column").value_or(0)),
           N->getString("message").value_or("").str(),
           N->getString("source_line").value_or("").str()});
    }
  if (const json::Array *Fixes = F->getArray("fixes"))
    for (const json::Value &Fix : *Fixes) {
      std::optional<clang::tooling::Replacement> Rep = replacementFromJson(Fix);
      if (!Rep)
        return std::nullopt;
      R.Fixes.push_back(std::move(*Rep));
    }
  if (const json::Object *Hashes = F->getObject("fixed_text_hashes"))
    for (const auto &[Path, Hash] : *Hashes)
      R.FixedTextHashes[Path.str()] = Hash.getAsString().value_or("").str();
  return R;
}

json::Value toJson(const JobOutcome &Outcome) {
  json::Array Findings;
  for (const ReportedFinding &F : Outcome.Findings)
    Findings.push_back(toJson(F));
  json::Array Errors;
  for (const std::string &E : Outcome.Errors)
    Errors.push_back(E);
  json::Array Inactive;
  for (const ReportedFinding &F : Outcome.InactiveNames)
    Inactive.push_back(toJson(F));
  json::Object O{{"findings", std::move(Findings)},
                 {"inactive_names", std::move(Inactive)},
                 {"errors", std::move(Errors)}};
  if (Outcome.Failure)
    O["failure"] = json::Object{{"file", Outcome.Failure->File},
                                {"side", Outcome.Failure->Side},
                                {"reason", Outcome.Failure->Reason},
                                {"kind", static_cast<int64_t>(Outcome.Failure->Kind)}};
  return O;
}

std::optional<JobOutcome> outcomeFromJson(const json::Value &V) {
  const json::Object *O = V.getAsObject();
  if (!O || !O->getArray("findings") || !O->getArray("errors"))
    return std::nullopt;
  JobOutcome Outcome;
  for (const json::Value &Item : *O->getArray("findings")) {
    std::optional<ReportedFinding> F = findingFromJson(Item);
    if (!F)
      return std::nullopt;
    Outcome.Findings.push_back(std::move(*F));
  }
  if (const json::Array *Inactive = O->getArray("inactive_names"))
    for (const json::Value &Item : *Inactive) {
      std::optional<ReportedFinding> F = findingFromJson(Item);
      if (!F)
        return std::nullopt;
      Outcome.InactiveNames.push_back(std::move(*F));
    }
  for (const json::Value &E : *O->getArray("errors"))
    Outcome.Errors.push_back(E.getAsString().value_or("").str());
  if (const json::Object *F = O->getObject("failure"))
    Outcome.Failure = AnalysisFailure{
        F->getString("file").value_or("").str(),
        F->getString("side").value_or("").str(),
        F->getString("reason").value_or("").str(),
        static_cast<FailureKind>(F->getInteger("kind").value_or(0))};
  return Outcome;
}

bool writeJsonFile(llvm::StringRef Path, const json::Value &V) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_Text);
  if (EC)
    return false;
  OS << V;
  OS.close();
  return !OS.has_error();
}

std::optional<json::Value> readJsonFile(llvm::StringRef Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buffer)
    return std::nullopt;
  llvm::Expected<json::Value> V = json::parse((*Buffer)->getBuffer());
  if (!V) {
    llvm::consumeError(V.takeError());
    return std::nullopt;
  }
  return std::move(*V);
}

JobOutcome notAnalysed(const AnalysisJob &Job, const std::string &Reason,
                       FailureKind Kind) {
  JobOutcome Outcome;
  Outcome.Failure = AnalysisFailure{Job.Source, Job.sideName(), Reason, Kind};
  return Outcome;
}

} // namespace

JobOutcome runAnalysisJobInChild(const AnalysisJob &Job,
                                 llvm::StringRef SelfExecutable,
                                 llvm::StringRef Checks) {
  llvm::ErrorOr<std::string> Created =
      createPrivateTemporaryFile("job", "json");
  if (!Created)
    return notAnalysed(Job,
                       "cannot create a temporary file: " +
                           Created.getError().message(),
                       FailureKind::Crash);
  std::string JobFile = *Created;
  std::string OutcomeFile = JobFile + ".outcome";
  llvm::sys::RemoveFileOnSignal(OutcomeFile);
  auto Cleanup = llvm::make_scope_exit([&] {
    for (const std::string &File : {JobFile, OutcomeFile}) {
      llvm::sys::fs::remove(File);
      llvm::sys::DontRemoveFileOnSignal(File);
    }
  });
  json::Value Request = toJson(Job);
  Request.getAsObject()->try_emplace("parent_pid",
                                     static_cast<int64_t>(::getpid()));
  if (!writeJsonFile(JobFile, Request))
    return notAnalysed(Job, "cannot write '" + JobFile + "'",
                       FailureKind::Crash);
  std::string RunJob = ("--" + InternalRunJobOption + "=" + JobFile).str();
  std::string ChecksArg = ("--checks=" + Checks).str();
  llvm::StringRef Args[] = {SelfExecutable, RunJob, ChecksArg};
  // The child's own stderr (a crash's stack dump) is not the user's
  // business: the outcome says what happened.
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(""),
                                                llvm::StringRef(""),
                                                llvm::StringRef("")};
  std::string ErrorMessage;
  int Code = llvm::sys::ExecuteAndWait(SelfExecutable, Args, std::nullopt,
                                       Redirects, 0, 0, &ErrorMessage);
  if (Code == -2)
    return notAnalysed(Job, "clang crashed (" + ErrorMessage + ") parsing it",
                       FailureKind::Crash);
  if (Code < 0)
    return notAnalysed(Job, "cannot run '" + SelfExecutable.str() +
                                "': " + ErrorMessage,
                       FailureKind::Crash);
  std::optional<json::Value> Value = readJsonFile(OutcomeFile);
  std::optional<JobOutcome> Outcome =
      Value ? outcomeFromJson(*Value) : std::nullopt;
  if (!Outcome)
    return notAnalysed(Job, "clang stopped (exit code " +
                                std::to_string(Code) + ") without a result",
                       FailureKind::Crash);
  return std::move(*Outcome);
}

int runJobFile(llvm::StringRef JobFile, analysis::RuleSet Rules) {
  std::optional<json::Value> Value = readJsonFile(JobFile);
  std::optional<AnalysisJob> Job = Value ? jobFromJson(*Value) : std::nullopt;
  if (!Job) {
    llvm::errs() << "vram-check: error: cannot read the job '" << JobFile
                 << "'\n";
    return 2;
  }
  std::string OutcomeFile = (JobFile + ".outcome").str();
  int64_t Parent =
      Value->getAsObject()->getInteger("parent_pid").value_or(-1);
  if (!dieWithParent(static_cast<int>(Parent), {JobFile.str(), OutcomeFile}))
    return 2; // nobody is left to read the outcome
  JobOutcome Outcome = runAnalysisJob(*Job, Rules);
  return writeJsonFile(OutcomeFile, toJson(Outcome)) ? 0 : 2;
}

} // namespace vram_only
