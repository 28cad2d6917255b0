//===- Launcher.cpp - vram-check as a compiler launcher -------------------===//

#include "Launcher.h"

#include "AnalysisCache.h"
#include "PrivateTempDir.h"

#include "AnalysisDriver.h"

#include "clang/Tooling/ArgumentsAdjusters.h"
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

/// Drops the launchers that run the compiler named after them (ccache,
/// sccache...): the compiler is the first word that is not one.
clang::tooling::ArgumentsAdjuster stripWrappingLaunchers() {
  return [](const clang::tooling::CommandLineArguments &Args, llvm::StringRef) {
    auto IsLauncher = [](llvm::StringRef Word) {
      return llvm::StringSwitch<bool>(llvm::sys::path::filename(Word))
          .Cases("ccache", "sccache", "distcc", "icecc", "buildcache", true)
          .Default(false);
    };
    auto Last = Args.empty() ? Args.end() : std::prev(Args.end());
    return clang::tooling::CommandLineArguments(
        std::find_if_not(Args.begin(), Last, IsLauncher), Args.end());
  };
}

int reportError(const llvm::Twine &Message) {
  llvm::WithColor::error(llvm::errs(), "vram-check") << Message << '\n';
  return 2;
}

/// The compile, started unchanged before the analysis so that the two run
/// side by side; \p Stdin (if not empty) becomes its standard input.
class Compile {
public:
  /// Starts \p Command; false (with the error printed) when it cannot be.
  bool start(llvm::ArrayRef<std::string> Command, llvm::StringRef StdinPath,
             bool Verbose) {
    // A name with a slash is used as it is, as the shell does.
    llvm::ErrorOr<std::string> Found =
        llvm::sys::findProgramByName(Command.front());
    if (!Found) {
      reportError("cannot find '" + Command.front() + "' on PATH");
      return false;
    }
    Program = *Found;
    std::vector<llvm::StringRef> Args(Command.begin(), Command.end());
    std::optional<llvm::StringRef> Redirects[] = {StdinPath, std::nullopt,
                                                  std::nullopt};
    std::string ErrorMessage;
    bool Failed = false;
    Process = llvm::sys::ExecuteNoWait(
        Program, Args, /*Env=*/std::nullopt,
        StdinPath.empty() ? llvm::ArrayRef<std::optional<llvm::StringRef>>()
                          : Redirects,
        0, &ErrorMessage, &Failed);
    if (Failed) {
      reportError("cannot run '" + Program + "': " + ErrorMessage);
      return false;
    }
    if (Verbose) {
      llvm::errs() << "vram-check: started the compile beside the analysis:";
      for (const std::string &Arg : Command)
        llvm::errs() << ' ' << Arg;
      llvm::errs() << '\n';
    }
    return true;
  }

  /// Waits for the compile to end: its exit code, or 2 (with the error
  /// printed) when it died of a signal or cannot be waited for.
  int wait() {
    std::string ErrorMessage;
    llvm::sys::ProcessInfo Done = llvm::sys::Wait(
        Process, /*SecondsToWait=*/std::nullopt, &ErrorMessage);
    if (Done.ReturnCode < 0)
      return reportError("'" + Program + "' " + ErrorMessage);
    return Done.ReturnCode;
  }

private:
  llvm::sys::ProcessInfo Process;
  std::string Program;
};

/// The files the compile writes that the build checks for (-o, nvcc's
/// --output-file, or the object `-c` names after the source), so that a
/// stopped step leaves none of them behind for the build to trust.
std::vector<std::string> compileOutputs(llvm::ArrayRef<std::string> Compiler,
                                        const TranslatedCommand &Translated) {
  std::vector<std::string> Outputs;
  bool CompileOnly = false;
  for (size_t I = 1; I < Compiler.size(); ++I) {
    llvm::StringRef Arg = Compiler[I];
    if (Arg == "-c" || Arg == "--compile")
      CompileOnly = true;
    if ((Arg == "-o" || Arg == "--output-file") && I + 1 < Compiler.size())
      Outputs.push_back(Compiler[++I]);
    else if (Arg.consume_front("--output-file="))
      Outputs.push_back(Arg.str());
    else if (Arg.starts_with("-o") && Arg.size() > 2 &&
             Translated.Compiler != CompilerKind::Nvcc)
      Outputs.push_back(Arg.drop_front(2).str());
  }
  if (Outputs.empty() && CompileOnly)
    for (const SourceInput &Source : Translated.Sources)
      if (Source.Path != "-")
        Outputs.push_back(
            (llvm::sys::path::stem(Source.Path) + ".o").str());
  return Outputs;
}

/// What decides the outcome besides the files read: the checks and the
/// options of this run.
std::string cacheSettings(const LauncherOptions &Options) {
  return Options.Driver.cacheSettings() +
         ";warn=" + std::to_string(Options.Warn) +
         ";accept-token-scan=" + std::to_string(Options.AcceptTokenScan);
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
  std::vector<std::string> Compiler = stripWrappingLaunchers()(Command, "");

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
      llvm::ErrorOr<std::string> Copy = createPrivateTemporaryFile(
          "stdin", extensionFor(Input.Language),
          [&](llvm::raw_ostream &OS) { OS << (*Text)->getBuffer(); });
      if (!Copy)
        return reportError("cannot copy standard input: " +
                           Copy.getError().message());
      StdinCopy = *Copy;
      Input.Path = std::string(StdinCopy);
    } else {
      Input.Path = absolutePath(Input.Path, Cwd);
    }
    Tasks.push_back({*Translated, Input, std::string(Cwd)});
  }

  // The compile starts now and runs beside the analysis: the step takes as
  // long as the slower of the two, not their sum.
  Compile TheCompile;
  if (!TheCompile.start(Command, StdinCopy, Options.Driver.Verbose))
    return 2;

  // A translation unit found clean before, with the same text and
  // settings, is not analysed again (AnalysisCache.h).
  AnalysisCache Cache(Options.CacheDirectory);
  std::optional<std::string> Key;
  if (!Options.CacheDirectory.empty() && StdinCopy.empty() && !Tasks.empty())
    Key = AnalysisCache::keyFor(Tasks, Toolchain, cacheSettings(Options),
                                Options.Driver.SelfExecutable);
  if (Key) {
    if (std::optional<std::string> Printed = Cache.lookup(*Key)) {
      int Code = TheCompile.wait();
      llvm::errs() << *Printed;
      if (Options.Driver.Verbose)
        llvm::errs() << "vram-check: analysed clean before (cache entry "
                     << *Key << ")\n";
      return Code;
    }
  }

  AnalysisReport Report;
  Report.AcceptTokenScan = Options.AcceptTokenScan;
  if (!Tasks.empty())
    analyseSources(Tasks, Toolchain, Checks, Options.Driver, Report);
  // What came from standard input is named so.
  if (!StdinCopy.empty()) {
    for (ReportedFinding &F : Report.Findings) {
      if (F.file() == StdinCopy)
        F.Message.FilePath = "<stdin>";
      for (clang::tooling::DiagnosticMessage &N : F.Notes)
        if (N.FilePath == StdinCopy)
          N.FilePath = "<stdin>";
    }
    for (AnalysisFailure &F : Report.Failures)
      if (F.File == StdinCopy)
        F.File = "<stdin>";
  }
  // The compile's own messages come first, then the analysis', never
  // interleaved.
  int Code = TheCompile.wait();
  Severity Level = Options.Warn ? Severity::Warning : Severity::Error;
  std::string Printed;
  llvm::raw_string_ostream PrintedStream(Printed);
  writeText(Report, Level, PrintedStream, /*Colors=*/false);
  if (llvm::errs().has_colors())
    writeText(Report, Level, llvm::errs(), /*Colors=*/true);
  else
    llvm::errs() << Printed;
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
    // The step fails: nothing it wrote may look up to date to the build.
    for (const std::string &Output : compileOutputs(Compiler, *Translated))
      llvm::sys::fs::remove(Output);
    ReportFailures(/*AsErrors=*/true);
    std::set<std::string> Files;
    for (const ReportedFinding &F : Report.Findings)
      Files.insert(F.file());
    llvm::errs() << "vram-check: the compile is stopped: "
                 << Report.Findings.size() << " VRAM-only violation(s) in ";
    llvm::interleave(Files, llvm::errs(), ", ");
    llvm::errs() << " (--warn reports them without stopping the compile)\n";
    return 1;
  }

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
  if (Key && Report.Findings.empty() && Report.Failures.empty())
    if (std::optional<std::string> Error = Cache.store(*Key, Printed))
      if (Options.Driver.Verbose)
        llvm::errs() << "vram-check: not cached: " << *Error << '\n';
  return 0;
}

} // namespace vram_only
