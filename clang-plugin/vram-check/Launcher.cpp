//===- Launcher.cpp - vram-check as a compiler launcher -------------------===//

#include "Launcher.h"

#include "AnalysisDriver.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/WithColor.h"

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

int runCommand(llvm::ArrayRef<std::string> Command) {
  std::string Program = Command.front();
  if (!llvm::StringRef(Program).contains('/')) {
    llvm::ErrorOr<std::string> Found = llvm::sys::findProgramByName(Program);
    if (!Found)
      return reportError("cannot find '" + Program + "' on PATH");
    Program = *Found;
  }
  std::vector<llvm::StringRef> Args(Command.begin(), Command.end());
  std::string ErrorMessage;
  int Code = llvm::sys::ExecuteAndWait(Program, Args, /*Env=*/std::nullopt,
                                       /*Redirects=*/{}, 0, 0, &ErrorMessage);
  if (Code < 0)
    return reportError("cannot run '" + Program + "': " + ErrorMessage);
  return Code;
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

  std::vector<SourceTask> Tasks;
  for (const SourceInput &Source : Translated->Sources)
    Tasks.push_back({*Translated, Source, std::string(Cwd)});
  if (!Tasks.empty()) {
    AnalysisReport Report;
    analyseSources(Tasks, Toolchain, Checks, {Options.Jobs, Options.Verbose},
                   Report);
    writeText(Report, Options.Warn ? Severity::Warning : Severity::Error,
              llvm::errs(), llvm::errs().has_colors());
    for (const AnalysisFailure &Failure : Report.Failures) {
      std::string What = Failure.File;
      if (!Failure.Side.empty())
        What += " (" + Failure.Side + ")";
      reportError(What + " was not analysed, so the VRAM-only policy cannot "
                         "be verified: " + Failure.Reason);
    }
    if (int Code = Report.exitCode(/*FindingsAreErrors=*/!Options.Warn)) {
      llvm::errs() << "vram-check: " << Report.Findings.size()
                   << " VRAM-only violation(s); the compile is stopped\n";
      return Code;
    }
  }
  return runCommand(Command);
}

} // namespace vram_only
