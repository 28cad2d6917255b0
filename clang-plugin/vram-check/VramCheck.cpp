//===- VramCheck.cpp - vram-check, the analysis for any build -------------===//
//
//   vram-check -p <build dir> [options] [files...]
//   vram-check [options] files... -- <clang arguments>
//   vram-check --launcher [--warn] -- <compiler> <arguments...>
//   vram-check --export-compile-commands=<dir> -p <build dir> [files...]
//   vram-check [--fix] [--export-fixes=<file>] ...   fix-its, as clang-tidy
//   vram-check --print-policy
//
// Analyses translation units with the command lines their build recorded
// (nvcc, gcc or clang), host and device sides of CUDA sources, in parallel,
// and reports violations of the VRAM-only policy as clang-style
// diagnostics, JSON or SARIF. Exit codes: 0 clean, 1 findings, 2 a source
// could not be analysed or the invocation is wrong.
//
//===----------------------------------------------------------------------===//

#include "AnalysisCache.h"
#include "AnalysisDriver.h"
#include "CompilerCommand.h"
#include "Fixes.h"
#include "JobProcess.h"
#include "Launcher.h"
#include "PolicyListing.h"
#include "VramCheckConfig.h"

#include "core/CheckSelection.h"
#include "core/Rule.h"

#include "clang/Basic/Version.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CommonOptionsParser.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace vram_only;
namespace cl = llvm::cl;
namespace tooling = clang::tooling;

namespace {

enum class OutputFormat { Text, Json, Sarif };

[[noreturn]] void fail(const llvm::Twine &Message) {
  llvm::WithColor::error(llvm::errs(), "vram-check") << Message << '\n';
  std::exit(2);
}

/// Every option of vram-check: llvm::cl options owned by this one struct
/// (none is global), parsed once by main. What follows the first '--' is
/// kept apart: a compile command (--launcher) or clang flags (files --
/// flags); llvm::cl sees only what comes before.
struct CommandLine {
  cl::OptionCategory Category{"vram-check options"};
  cl::opt<std::string> BuildPath{
      "p", cl::desc("Build directory holding compile_commands.json"),
      cl::value_desc("build dir"), cl::cat(Category)};
  cl::list<std::string> Files{
      cl::Positional,
      cl::desc("[<file> ...] (default: every file of the compile database)"),
      cl::cat(Category)};
  cl::opt<unsigned> JobCount{
      "j", cl::desc("Clang runs in parallel, -j N or -jN (default: all cores)"),
      cl::value_desc("N"), cl::init(0), cl::Prefix, cl::cat(Category)};
  cl::opt<OutputFormat> Format{
      "format", cl::desc("Report format"),
      cl::values(clEnumValN(OutputFormat::Text, "text",
                            "clang-style diagnostics (default)"),
                 clEnumValN(OutputFormat::Json, "json",
                            "a JSON object: findings, not_analysed, summary"),
                 clEnumValN(OutputFormat::Sarif, "sarif",
                            "SARIF 2.1.0 (GitHub code scanning)")),
      cl::init(OutputFormat::Text), cl::cat(Category)};
  cl::opt<std::string> Checks{
      "checks",
      cl::desc("Checks to run, as a clang-tidy glob list (default: vram-*)"),
      cl::value_desc("globs"), cl::init("vram-*"), cl::cat(Category)};
  cl::opt<bool> Warn{"warn",
                     cl::desc("Report findings as warnings; they do not fail "
                              "the run (with --launcher: nothing stops or "
                              "fails the compile)"),
                     cl::cat(Category)};
  cl::opt<bool> Launcher{
      "launcher",
      cl::desc("Compiler launcher mode: analyse the compile command after "
               "'--', then run it (for CMAKE_<LANG>_COMPILER_LAUNCHER); a "
               "finding stops it, a side not analysed fails the step after "
               "the compile"),
      cl::cat(Category)};
  cl::opt<std::string> CacheDir{
      "cache-dir",
      cl::desc("Where translation units analysed clean are remembered, so "
               "that the next run analyses only what changed. With "
               "--launcher the default is $VRAM_CHECK_CACHE_DIR, else "
               "$XDG_CACHE_HOME/vram-check, else ~/.cache/vram-check; with "
               "-p or files, no cache unless this names one"),
      cl::value_desc("dir"), cl::cat(Category)};
  cl::opt<bool> NoCache{"no-cache",
                        cl::desc("Analyse every translation unit, remember "
                                 "nothing (the default without --launcher)"),
                        cl::cat(Category)};
  cl::opt<std::string> OutputPath{
      "o",
      cl::desc("Write the report to <file> instead of standard output "
               "(a path that cannot be written: exit 2)"),
      cl::value_desc("file"), cl::cat(Category)};
  cl::opt<std::string> SourceRoot{
      "source-root",
      cl::desc("The project's directory (default: the current directory; "
               "with --launcher: none): SARIF locations are relative to it, "
               "and its files are reported even where the compiler takes "
               "them for system headers (#pragma GCC system_header, "
               "-isystem)"),
      cl::value_desc("dir"), cl::cat(Category)};
  cl::opt<std::string> ExportDir{
      "export-compile-commands",
      cl::desc("Write the clang command lines the analysis uses (host and "
               "device side) to <dir>/compile_commands.json and exit; "
               "clang-tidy-19 can then run over it (see vram-tidy); print "
               "the sources, one per line"),
      cl::value_desc("dir"), cl::cat(Category)};
  cl::opt<std::string> CudaPath{
      "cuda-path", cl::desc("CUDA toolkit to parse with (default: the one "
                            "vram-check was built with)"),
      cl::value_desc("dir"), cl::cat(Category)};
  cl::opt<bool> PrintPolicy{
      "print-policy",
      cl::desc("Print the policy (every forbidden name, flag and lookup, with "
               "check, reason and alternative) as JSON and exit"),
      cl::cat(Category)};
  cl::opt<bool> ApplyFixes{
      "fix",
      cl::desc("Apply the suggested fixes to the sources, as clang-tidy --fix "
               "does (cudaMallocManaged -> cudaMalloc where that keeps the "
               "call's meaning); the findings are still reported"),
      cl::cat(Category)};
  cl::opt<std::string> ExportFixes{
      "export-fixes",
      cl::desc("Write the suggested fixes to <file> as YAML for "
               "clang-apply-replacements, as clang-tidy --export-fixes does"),
      cl::value_desc("file"), cl::cat(Category)};
  cl::opt<bool> AcceptTokenScan{
      "accept-token-scan",
      cl::desc("A source side that does not parse is read by a token scan for "
               "the policy's names (always); with this option, such a side "
               "is a warning (a notification in JSON and SARIF) instead of "
               "failing the run with exit 2. Its token-scan findings still "
               "count"),
      cl::cat(Category)};
  cl::opt<bool> Strict{
      "strict",
      cl::desc("A name of the policy in a preprocessor branch that no "
               "analysed configuration compiles (#if !defined(__clang__), "
               "#if __GNUC__ >= 9...) fails the run as a finding does; "
               "without it, such names are notes, counted in the summary"),
      cl::cat(Category)};
  cl::opt<std::string> InternalRunJob{
      llvm::StringRef(InternalRunJobOption),
      cl::desc("Run one analysis job (internal)"), cl::Hidden,
      cl::cat(Category)};
  cl::opt<int> InternalParent{llvm::StringRef(InternalParentOption),
                              cl::desc("The job's parent process (internal)"),
                              cl::init(-1), cl::Hidden, cl::cat(Category)};
  cl::opt<bool> Verbose{"verbose",
                        cl::desc("Show every clang run and what the command "
                                 "line translation dropped"),
                        cl::cat(Category)};

  const char *Argv0 = nullptr;
  bool SeenDashDash = false;
  std::vector<std::string> AfterDashDash;

  /// Parses the command line; a bad one is one error line, exit 2.
  void parse(int argc, const char **argv);
  Severity level() const { return Warn ? Severity::Warning : Severity::Error; }
  /// The checks --checks selects; none, or a bad glob: exit 2.
  analysis::RuleSet selectedChecks() const;
  CudaToolchain toolchain() const;
  DriverOptions driverOptions() const;
};

void CommandLine::parse(int argc, const char **argv) {
  Argv0 = argv[0];
  std::vector<const char *> OwnArgs;
  for (int I = 0; I < argc; ++I) {
    if (!SeenDashDash && I > 0 && llvm::StringRef(argv[I]) == "--")
      SeenDashDash = true;
    else if (SeenDashDash)
      AfterDashDash.push_back(argv[I]);
    else
      OwnArgs.push_back(argv[I]);
  }
  cl::HideUnrelatedOptions(Category);
  cl::SetVersionPrinter([](llvm::raw_ostream &OS) {
    OS << "vram-check " VRAM_ONLY_VERSION " (clang " CLANG_VERSION_STRING ")\n";
  });
  std::string ParseErrors;
  llvm::raw_string_ostream ParseErrorStream(ParseErrors);
  if (cl::ParseCommandLineOptions(
          OwnArgs.size(), OwnArgs.data(),
          "VRAM-only policy check for C, C++ and CUDA builds\n\n"
          "  vram-check -p <build dir> [options] [files...]\n"
          "  vram-check [options] files... -- <clang arguments>\n"
          "  vram-check --launcher [--warn] -- <compiler> <arguments...>\n\n"
          "Run it over a compile database after the build's generation "
          "steps\n(files the build generates are reported as not analysed "
          "until\nthey exist), or as the build's compiler launcher\n"
          "(-DCMAKE_CUDA_COMPILER_LAUNCHER=\"vram-check;--launcher;--\"), "
          "which\nruns inside the build. Exit: 0 clean, 1 findings, 2 a "
          "source or\nside not analysed, or a bad invocation.\n",
          &ParseErrorStream))
    return;
  // llvm::cl prints errors about option values itself; the others are
  // here. Either way: one line, then exit 2.
  llvm::StringRef First = llvm::StringRef(ParseErrors).split('\n').first;
  First.consume_front("vram-check: ");
  First = First.split("  Try:").first.trim();
  if (First.empty())
    std::exit(2);
  fail(First + " (see vram-check --help)");
}

analysis::RuleSet CommandLine::selectedChecks() const {
  llvm::Expected<analysis::RuleSet> Selected = analysis::selectChecks(Checks);
  if (!Selected)
    fail("--checks: " + llvm::toString(Selected.takeError()));
  if (Selected->empty())
    fail("--checks='" + Checks + "' enables no check (available: " +
         llvm::join(analysis::allCheckNames(), ", ") + ")");
  return *Selected;
}

CudaToolchain CommandLine::toolchain() const {
  CudaToolchain Toolchain = CudaToolchain::fromInstallation(Argv0);
  if (!CudaPath.empty())
    Toolchain.CudaPath = CudaPath;
  return Toolchain;
}

std::string currentDirectory() {
  llvm::SmallString<256> Cwd;
  if (llvm::sys::fs::current_path(Cwd))
    fail("cannot read the current directory");
  return std::string(Cwd);
}

DriverOptions CommandLine::driverOptions() const {
  DriverOptions Driver;
  Driver.Jobs = JobCount;
  Driver.Verbose = Verbose;
  Driver.SelfExecutable =
      llvm::sys::fs::getMainExecutable(Argv0, reinterpret_cast<void *>(&fail));
  Driver.Checks = Checks;
  // The project's files are its own code even when marked system. Under
  // --launcher the current directory is the build's, not the project's:
  // only an explicit --source-root counts there.
  if (!SourceRoot.empty())
    Driver.ProjectRoot = absolutePath(SourceRoot, currentDirectory());
  else if (!Launcher)
    Driver.ProjectRoot = currentDirectory();
  return Driver;
}

/// Writes with \p Write to the file \p Path, or to standard output when it
/// is empty. A path that cannot be opened or written (a missing directory,
/// no permission, a full disk) is one error naming \p What and the place,
/// exit 2: never a run that seems to pass, nor the stream's "IO failure"
/// abort.
void writeOutput(llvm::StringRef Path, llvm::StringRef What,
                 llvm::function_ref<void(llvm::raw_fd_ostream &)> Write) {
  auto Fail = [&](std::error_code EC) {
    fail("cannot write " + What +
         (Path.empty() ? "standard output" : "'" + Path + "'") + ": " +
         EC.message());
  };
  auto Finish = [&](llvm::raw_fd_ostream &OS) {
    if (Path.empty())
      OS.flush();
    else
      OS.close();
    if (OS.has_error()) {
      std::error_code EC = OS.error();
      OS.clear_error(); // reported here, not by the stream's destructor
      Fail(EC);
    }
  };
  if (Path.empty()) {
    Write(llvm::outs());
    Finish(llvm::outs());
    return;
  }
  std::error_code EC;
  llvm::ToolOutputFile File(Path, EC, llvm::sys::fs::OF_Text);
  if (EC)
    Fail(EC);
  Write(File.os());
  Finish(File.os());
  File.keep();
}

/// The tasks of one compile command that analyse \p File (or every source
/// of the command when \p File is empty). A relative `directory` is
/// relative to \p DatabaseDir; a relative file to the directory. Tasks name
/// their source and directory by absolute paths, so that every report
/// (text, JSON, SARIF, the exported database) does.
void addTasks(const tooling::CompileCommand &Entry, llvm::StringRef File,
              llvm::StringRef DatabaseDir, bool Verbose,
              std::vector<SourceTask> &Tasks, AnalysisReport &Report) {
  std::string Directory = absolutePath(Entry.Directory, DatabaseDir);
  llvm::Expected<TranslatedCommand> Command =
      translateCompilerCommand(Entry.CommandLine, Directory);
  std::string Target =
      absolutePath(File.empty() ? Entry.Filename : File, Directory);
  auto NotAnalysed = [&](const llvm::Twine &Reason, FailureKind Kind) {
    ++Report.Sources;
    Report.Failures.push_back({Target, "", Reason.str(), Kind});
  };
  if (!Command)
    return NotAnalysed("its compile command cannot be read: " +
                           llvm::toString(Command.takeError()),
                       FailureKind::Command);
  if (Verbose) {
    llvm::errs() << "vram-check: " << Target << ": "
                 << compilerKindName(Command->Compiler) << " command";
    if (!Entry.Heuristic.empty())
      llvm::errs() << " (" << Entry.Heuristic << ")";
    llvm::errs() << '\n';
    for (const std::string &Note : Command->Notes)
      llvm::errs() << "  " << Note << '\n';
  }
  std::optional<SourceLanguage> Language;
  for (const SourceInput &Source : Command->Sources)
    if (absolutePath(Source.Path, Directory) == Target)
      Language = Source.Language;
  // The database names the file, the command does not (an interpolated
  // command, or a compiler reading a response file): analyse the named file
  // with the command's flags.
  if (!Language && !Command->Sources.empty())
    Language = Command->Sources.front().Language;
  if (!Language)
    Language = languageFromExtension(Target);
  if (!Language && !File.empty())
    // Named by the user: never a silent pass.
    return NotAnalysed(
        "not a C, C++ or CUDA source or header (by its extension or -x): "
        "nothing of it was analysed",
        FailureKind::Command);
  if (!Language) {
    if (Verbose)
      llvm::errs() << "vram-check: " << Target
                   << ": not a C, C++ or CUDA source, skipped\n";
    return;
  }
  if (!llvm::sys::fs::exists(Target))
    return NotAnalysed(
        "no such file (a file the build generates? run vram-check after the "
        "build's generation steps, or as its compiler launcher)",
        FailureKind::Missing);
  Tasks.push_back({*Command, {Target, *Language}, Directory});
}

/// The compile database the sources are looked up in: -p's; or, with
/// `files -- flags`, clang's FixedCompilationDatabase of those flags (every
/// file gets them, as in clang-tidy) run by the clang driver; or the one
/// found above the first file. \p DatabaseDir is where its relative paths
/// start.
std::unique_ptr<tooling::CompilationDatabase>
openDatabase(const CommandLine &Options, std::string &DatabaseDir) {
  std::string Error;
  DatabaseDir = currentDirectory();
  if (Options.SeenDashDash) {
    if (Options.Files.empty())
      fail("no source files given before '--'");
    auto Fixed = std::make_unique<tooling::ArgumentsAdjustingCompilations>(
        std::make_unique<tooling::FixedCompilationDatabase>(
            DatabaseDir, Options.AfterDashDash));
    Fixed->appendArgumentsAdjuster(
        [](const tooling::CommandLineArguments &Args, llvm::StringRef) {
          tooling::CommandLineArguments WithClang = Args;
          WithClang.front() = VRAM_ONLY_CLANG_DRIVER;
          return WithClang;
        });
    return Fixed;
  }
  if (!Options.BuildPath.empty()) {
    const std::string &Build = Options.BuildPath;
    DatabaseDir = absolutePath(Build, DatabaseDir);
    if (!llvm::sys::fs::is_directory(Build))
      fail("build directory '" + Build + "' does not exist");
    llvm::SmallString<256> Json(Build);
    llvm::sys::path::append(Json, "compile_commands.json");
    if (!llvm::sys::fs::exists(Json))
      fail("no compile_commands.json in '" + Build +
           "'; configure the build with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON");
    std::unique_ptr<tooling::CompilationDatabase> Database =
        tooling::JSONCompilationDatabase::loadFromFile(
            Json, Error, tooling::JSONCommandLineSyntax::AutoDetect);
    if (!Database)
      fail("cannot read '" + Json + "': " + llvm::StringRef(Error).trim());
    return Database;
  }
  if (Options.Files.empty())
    fail("nothing to analyse: pass -p <build dir> and/or source files");
  std::unique_ptr<tooling::CompilationDatabase> Database =
      tooling::CompilationDatabase::autoDetectFromSource(
          absolutePath(Options.Files.front(), DatabaseDir), Error);
  if (!Database)
    fail("no compile database found above '" + Options.Files.front() +
         "'; pass -p <build dir>, or the compile flags after '--'");
  return Database;
}

/// The sources to analyse, each with its command: the files named on the
/// command line, or every file of the database.
std::vector<SourceTask> findTasks(const CommandLine &Options,
                                  AnalysisReport &Report) {
  std::string DatabaseDir;
  std::unique_ptr<tooling::CompilationDatabase> Database =
      openDatabase(Options, DatabaseDir);
  std::vector<SourceTask> Tasks;
  if (Options.Files.empty()) {
    std::vector<tooling::CompileCommand> All = Database->getAllCompileCommands();
    if (All.empty())
      fail("the compile database in '" + Options.BuildPath +
           "' has no entries");
    for (const tooling::CompileCommand &Entry : All)
      addTasks(Entry, "", DatabaseDir, Options.Verbose, Tasks, Report);
    return Tasks;
  }
  // Files the database does not list (headers, new files) get the command
  // of the most similar file that it does.
  std::unique_ptr<tooling::CompilationDatabase> Inferred =
      tooling::inferMissingCompileCommands(std::move(Database));
  for (const std::string &File : Options.Files) {
    std::string Path = absolutePath(File, currentDirectory());
    auto NotAnalysed = [&](const char *Reason, FailureKind Kind) {
      ++Report.Sources;
      Report.Failures.push_back({Path, "", Reason, Kind});
    };
    if (!llvm::sys::fs::exists(Path)) {
      NotAnalysed("no such file", FailureKind::Missing);
      continue;
    }
    std::vector<tooling::CompileCommand> Commands =
        Inferred->getCompileCommands(Path);
    if (Commands.empty())
      NotAnalysed("the compile database has no command for it",
                  FailureKind::Command);
    for (const tooling::CompileCommand &Entry : Commands)
      addTasks(Entry, Path, DatabaseDir, Options.Verbose, Tasks, Report);
  }
  return Tasks;
}

/// --export-compile-commands: every side's clang command line as a compile
/// database, then the sources, once each, for the caller (vram-tidy passes
/// them to clang-tidy).
int exportCommands(const CommandLine &Options,
                   const std::vector<SourceTask> &Tasks,
                   const AnalysisReport &Report) {
  for (const AnalysisFailure &Failure : Report.Failures)
    llvm::WithColor::error(llvm::errs(), "vram-check")
        << describeFailure(Failure) << '\n';
  if (std::error_code EC = llvm::sys::fs::create_directories(Options.ExportDir))
    fail("cannot create '" + Options.ExportDir + "': " + EC.message());
  CudaToolchain Toolchain = Options.toolchain();
  std::vector<AnalysisJob> Jobs;
  std::vector<std::string> Sources;
  for (const SourceTask &Task : Tasks) {
    llvm::append_range(Jobs, planJobs(Task.Command, Task.Source,
                                      Task.Directory, Toolchain));
    if (!llvm::is_contained(Sources, Task.Source.Path))
      Sources.push_back(Task.Source.Path);
  }
  llvm::SmallString<256> Path(Options.ExportDir);
  llvm::sys::path::append(Path, "compile_commands.json");
  writeOutput(Path, "", [&](llvm::raw_ostream &OS) {
    writeCompileDatabase(Jobs, OS);
  });
  writeOutput("", "the sources to ", [&](llvm::raw_ostream &OS) {
    for (const std::string &Source : Sources)
      OS << Source << '\n';
  });
  return Report.Failures.empty() ? 0 : 2;
}

/// --export-fixes and --fix, after the analysis and before the report.
/// Returns false when a file could not be fixed (named on stderr): the
/// report and the summary still follow, and the run exits 2.
bool handleFixes(const CommandLine &Options, const AnalysisReport &Report,
                 const std::vector<SourceTask> &Tasks) {
  if (!Options.ExportFixes.empty())
    writeOutput(Options.ExportFixes, "", [&](llvm::raw_ostream &OS) {
      writeFixesYaml(Report, Options.level(),
                     Tasks.empty() ? "" : Tasks.front().Source.Path,
                     currentDirectory(), OS);
    });
  if (!Options.ApplyFixes)
    return true;
  AppliedFixes Applied = applyFixes(Report);
  for (const std::string &Error : Applied.Errors)
    llvm::WithColor::error(llvm::errs(), "vram-check") << "--fix: " << Error
                                                       << '\n';
  llvm::errs() << "vram-check: applied " << Applied.Applied << " of "
               << Applied.Suggested << " suggested fix(es) in "
               << Applied.Files << " file(s)\n";
  return Applied.Errors.empty();
}

/// The report in the chosen format, to -o or standard output.
void writeReport(const CommandLine &Options, const AnalysisReport &Report,
                 analysis::RuleSet Checks) {
  writeOutput(Options.OutputPath, "the report to ", [&](llvm::raw_fd_ostream &OS) {
    switch (Options.Format) {
    case OutputFormat::Text:
      writeText(Report, Options.level(), OS,
                Options.OutputPath.empty() && OS.has_colors());
      break;
    case OutputFormat::Json:
      writeJson(Report, OS);
      break;
    case OutputFormat::Sarif:
      writeSarif(Report, Checks, Options.level(),
                 absolutePath(Options.SourceRoot, currentDirectory()),
                 VRAM_ONLY_VERSION, OS);
      break;
    }
  });
}

/// Each source or side not analysed, with its reason, then one closing line.
void writeSummary(const AnalysisReport &Report) {
  llvm::outs().flush(); // the report first, when both go to a terminal
  for (const AnalysisFailure &Failure : Report.Failures) {
    if (Report.isFatal(Failure))
      llvm::WithColor::error(llvm::errs(), "vram-check")
          << describeFailure(Failure) << '\n';
    else
      llvm::WithColor::warning(llvm::errs(), "vram-check")
          << describeFailure(Failure) << " (accepted: read by a token scan)\n";
  }
  llvm::errs() << Report.summary() << '\n';
}

/// The analysis of a compile database, or of files with flags: the report,
/// then --fix, then the summary.
int analyse(const CommandLine &Options, analysis::RuleSet Checks) {
  AnalysisReport Report;
  Report.AcceptTokenScan = Options.AcceptTokenScan;
  Report.Strict = Options.Strict;
  std::vector<SourceTask> Tasks = findTasks(Options, Report);
  if (!Options.ExportDir.empty())
    return exportCommands(Options, Tasks, Report);
  if (Options.NoCache && !Options.CacheDir.empty())
    fail("--no-cache and --cache-dir contradict each other");
  DriverOptions Driver = Options.driverOptions();
  Driver.Progress = llvm::errs().is_displayed();
  // A compile database is analysed whole unless a cache is named: a CI job
  // that runs it once has nothing to remember.
  Driver.CacheDirectory = Options.CacheDir;
  analyseSources(Tasks, Options.toolchain(), Checks, Driver, Report);
  bool Fixed = handleFixes(Options, Report, Tasks);
  writeReport(Options, Report, Checks);
  writeSummary(Report);
  return Fixed ? Report.exitCode(/*FindingsAreErrors=*/!Options.Warn) : 2;
}

/// --launcher: the compile command after '--', analysed and run.
int launch(const CommandLine &Options, analysis::RuleSet Checks) {
  if (!Options.BuildPath.empty() || !Options.Files.empty() ||
      !Options.ExportDir.empty())
    fail("--launcher takes only the compile command after '--'");
  if (Options.NoCache && !Options.CacheDir.empty())
    fail("--no-cache and --cache-dir contradict each other");
  if (Options.ApplyFixes || !Options.ExportFixes.empty())
    fail("--fix and --export-fixes do not apply to --launcher: run "
         "vram-check -p <build dir> --fix after the build");
  if (Options.AfterDashDash.empty())
    fail("--launcher needs the compile command after '--'");
  LauncherOptions Launcher{Options.Warn, Options.AcceptTokenScan,
                           Options.driverOptions(),
                           Options.NoCache ? std::string()
                           : Options.CacheDir.empty()
                               ? AnalysisCache::defaultDirectory()
                               : std::string(Options.CacheDir)};
  // ninja already compiles in parallel: the sides of one source one at a
  // time unless -j says otherwise.
  Launcher.Driver.Jobs = Options.JobCount ? Options.JobCount.getValue() : 1u;
  return runLauncher(Options.AfterDashDash, Options.toolchain(), Checks,
                     Launcher);
}

} // namespace

int main(int argc, const char **argv) {
  llvm::InitLLVM Init(argc, argv);
  CommandLine Options;
  Options.parse(argc, argv);
  if (Options.PrintPolicy) {
    writeOutput("", "the policy to ", printPolicy);
    return 0;
  }
  analysis::RuleSet Checks = Options.selectedChecks();
  if (!Options.InternalRunJob.empty())
    return runJobFile(Options.InternalRunJob, Options.InternalParent,
                      Options.SourceRoot, Checks);
  if (Options.Launcher)
    return launch(Options, Checks);
  return analyse(Options, Checks);
}
