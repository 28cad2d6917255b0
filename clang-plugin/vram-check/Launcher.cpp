//===- Launcher.cpp - vram-check as a compiler launcher -------------------===//

#include "Launcher.h"

#include "PrivateTempDir.h"

#include "AnalysisDriver.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/WithColor.h"

#include <set>

namespace vram_only {
namespace {

/// Launchers that run the compiler named after them.
bool isWrappingLauncher(llvm::StringRef Executable) {
  llvm::StringRef Name = llvm::sys::path::filename(Executable);
  return llvm::StringSwitch<bool>(Name)
      .Cases("ccache", "sccache", "distcc", "icecc", "buildcache", true)
      .Default(false);
}

int reportError(const llvm::Twine &Message) {
  llvm::WithColor::error(llvm::errs(), "vram-check") << Message << '\n';
  return 2;
}

/// Runs the compile unchanged; \p Stdin (if not empty) becomes its
/// standard input.
int runCommand(llvm::ArrayRef<std::string> Command, llvm::StringRef Stdin) {
  std::string Program = Command.front();
  if (!llvm::StringRef(Program).contains('/')) {
    llvm::ErrorOr<std::string> Found = llvm::sys::findProgramByName(Program);
    if (!Found)
      return reportError("cannot find '" + Program + "' on PATH");
    Program = *Found;
  }
  std::vector<llvm::StringRef> Args(Command.begin(), Command.end());
  std::optional<llvm::StringRef> Redirects[] = {Stdin, std::nullopt,
                                                std::nullopt};
  std::string ErrorMessage;
  int Code = llvm::sys::ExecuteAndWait(
      Program, Args, /*Env=*/std::nullopt,
      Stdin.empty() ? llvm::ArrayRef<std::optional<llvm::StringRef>>()
                    : Redirects,
      0, 0, &ErrorMessage);
  if (Code < 0)
    return reportError("cannot run '" + Program + "': " + ErrorMessage);
  return Code;
}

llvm::StringRef extensionFor(SourceLanguage Language) {
  switch (Language) {
  case SourceLanguage::C:
    return "c";
  case SourceLanguage::Cxx:
    return "cpp";
  case SourceLanguage::Cuda:
    break;
  }
  return "cu";
}

} // namespace

int runLauncher(llvm::ArrayRef<std::string> Command,
                const CudaToolchain &Toolchain, analysis::RuleSet Checks,
                const LauncherOptions &Options) {
  llvm::ArrayRef<std::string> Compiler = Command;
  while (Compiler.size() > 1 && isWrappingLauncher(Compiler.front()))
    Compiler = Compiler.drop_front();

  llvm::SmallString<256> Cwd;
  if (llvm::sys::fs::current_path(Cwd))
    return reportError("cannot read the current directory");
  llvm::Expected<TranslatedCommand> Translated =
      translateCompilerCommand(Compiler, Cwd);
  if (!Translated)
    return reportError("cannot analyse this compile: " +
                       llvm::toString(Translated.takeError()));

  // A source on standard input: read it once into a file that is analysed
  // and then given to the compiler as its standard input.
  llvm::SmallString<128> StdinCopy;
  auto RemoveStdinCopy = llvm::make_scope_exit([&] {
    if (!StdinCopy.empty())
      llvm::sys::fs::remove(StdinCopy);
  });
  std::vector<SourceTask> Tasks;
  for (const SourceInput &Source : Translated->Sources) {
    SourceInput Input = Source;
    if (Input.Path == "-") {
      if (!StdinCopy.empty())
        continue; // standard input is read once
      llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Text =
          llvm::MemoryBuffer::getSTDIN();
      if (!Text)
        return reportError("cannot read the source on standard input: " +
                           Text.getError().message());
      llvm::ErrorOr<std::string> Copy =
          createPrivateTemporaryFile("stdin", extensionFor(Input.Language));
      if (!Copy)
        return reportError("cannot copy standard input: " +
                           Copy.getError().message());
      StdinCopy = *Copy;
      std::error_code EC;
      llvm::raw_fd_ostream OS(StdinCopy, EC);
      if (EC)
        return reportError("cannot copy standard input: " + EC.message());
      OS << (*Text)->getBuffer();
      OS.close();
      if (OS.has_error()) {
        OS.clear_error();
        return reportError("cannot copy standard input to '" + StdinCopy +
                           "'");
      }
      Input.Path = std::string(StdinCopy);
    } else {
      llvm::SmallString<256> Path(Input.Path);
      llvm::sys::fs::make_absolute(Cwd, Path);
      llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
      Input.Path = std::string(Path);
    }
    Tasks.push_back({*Translated, Input, std::string(Cwd)});
  }

  AnalysisReport Report;
  Report.AcceptTokenScan = Options.AcceptTokenScan;
  if (!Tasks.empty())
    analyseSources(Tasks, Toolchain, Checks, Options.Driver, Report);
  // What came from standard input is named so.
  if (!StdinCopy.empty()) {
    for (ReportedFinding &F : Report.Findings)
      if (F.File == StdinCopy)
        F.File = "<stdin>";
    for (AnalysisFailure &F : Report.Failures)
      if (F.File == StdinCopy)
        F.File = "<stdin>";
  }
  Severity Level = Options.Warn ? Severity::Warning : Severity::Error;
  writeText(Report, Level, llvm::errs(), llvm::errs().has_colors());
  auto ReportFailures = [&](bool AsErrors) {
    for (const AnalysisFailure &Failure : Report.Failures) {
      std::string Text = describeFailure(Failure) +
                         " (the VRAM-only policy is not verified for it)";
      if (AsErrors && Report.isFatal(Failure))
        llvm::WithColor::error(llvm::errs(), "vram-check") << Text << '\n';
      else
        llvm::WithColor::warning(llvm::errs(), "vram-check") << Text << '\n';
    }
  };

  if (!Report.Findings.empty() && !Options.Warn) {
    ReportFailures(/*AsErrors=*/true);
    std::set<std::string> Files;
    for (const ReportedFinding &F : Report.Findings)
      Files.insert(F.File);
    llvm::errs() << "vram-check: the compile is stopped: "
                 << Report.Findings.size() << " VRAM-only violation(s) in ";
    llvm::interleave(Files, llvm::errs(), ", ");
    llvm::errs() << " (--warn reports them without stopping the compile)\n";
    return 1;
  }

  int Code = runCommand(Command, StdinCopy);
  ReportFailures(/*AsErrors=*/!Options.Warn);
  if (Code != 0)
    return Code;
  if (!Options.Warn && Report.fatalFailures() > 0) {
    llvm::errs() << "vram-check: the compile ran, but "
                 << Report.fatalFailures()
                 << " source side(s) were not analysed: exit 2 (--warn, or "
                    "--accept-token-scan for a side the token scan read, "
                    "lets the step pass)\n";
    return 2;
  }
  return 0;
}

} // namespace vram_only
