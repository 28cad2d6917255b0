//===- VramCheck.cpp - vram-check, the analysis for any build -------------===//
//
//   vram-check -p <build dir> [options] [files...]
//   vram-check [options] files... -- <clang arguments>
//   vram-check --launcher [--warn] -- <compiler> <arguments...>
//   vram-check --export-compile-commands=<dir> -p <build dir> [files...]
//   vram-check [--fix] [--export-fixes=<file>] ...   fix-its, as clang-tidy
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
#include "JobProcess.h"
#include "CompilerCommand.h"
#include "Fixes.h"
#include "Launcher.h"
#include "PolicyListing.h"
#include "VramCheckConfig.h"

#include "core/CheckSelection.h"
#include "core/Rule.h"

#include "clang/Basic/Version.h"

#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace vram_only;
namespace cl = llvm::cl;
namespace tooling = clang::tooling;

namespace {

enum class OutputFormat { Text, Json, Sarif };

cl::OptionCategory Category("vram-check options");

cl::opt<std::string> BuildPath(
    "p", cl::desc("Build directory holding compile_commands.json"),
    cl::value_desc("build dir"), cl::cat(Category));
cl::list<std::string> Files(
    cl::Positional,
    cl::desc("[<file> ...] (default: every file of the compile database)"),
    cl::cat(Category));
cl::opt<unsigned> JobCount(
    "j",
    cl::desc("Clang runs in parallel, -j N or -jN (default: all cores)"),
    cl::value_desc("N"), cl::init(0), cl::Prefix, cl::cat(Category));
cl::opt<OutputFormat> Format(
    "format", cl::desc("Report format"),
    cl::values(clEnumValN(OutputFormat::Text, "text",
                          "clang-style diagnostics (default)"),
               clEnumValN(OutputFormat::Json, "json",
                          "a JSON object: findings, not_analysed, summary"),
               clEnumValN(OutputFormat::Sarif, "sarif",
                          "SARIF 2.1.0 (GitHub code scanning)")),
    cl::init(OutputFormat::Text), cl::cat(Category));
cl::opt<std::string> ChecksOption(
    "checks",
    cl::desc("Checks to run, as a clang-tidy glob list (default: vram-*)"),
    cl::value_desc("globs"), cl::init("vram-*"), cl::cat(Category));
cl::opt<bool> Warn("warn",
                   cl::desc("Report findings as warnings; they do not fail "
                            "the run (with --launcher: nothing stops or "
                            "fails the compile)"),
                   cl::cat(Category));
cl::opt<bool> LauncherMode(
    "launcher",
    cl::desc("Compiler launcher mode: analyse the compile command after "
             "'--', then run it (for CMAKE_<LANG>_COMPILER_LAUNCHER); a "
             "finding stops it, a side not analysed fails the step after "
             "the compile"),
    cl::cat(Category));
cl::opt<std::string> CacheDir(
    "cache-dir",
    cl::desc("With --launcher: where translation units analysed clean are "
             "remembered, so that a rebuild analyses only what changed "
             "(default: $VRAM_CHECK_CACHE_DIR, else "
             "$XDG_CACHE_HOME/vram-check, else ~/.cache/vram-check)"),
    cl::value_desc("dir"), cl::cat(Category));
cl::opt<bool> NoCache("no-cache",
                      cl::desc("With --launcher: analyse every translation "
                               "unit, remember nothing"),
                      cl::cat(Category));
cl::opt<std::string> OutputPath(
    "o", cl::desc("Write the report to <file> instead of standard output "
                  "(a path that cannot be written: exit 2)"),
    cl::value_desc("file"), cl::cat(Category));
cl::opt<std::string> SourceRoot(
    "source-root",
    cl::desc("The project's directory (default: the current directory; "
             "with --launcher: none): SARIF locations are relative to it, "
             "and its files are reported even where the compiler takes them "
             "for system headers (#pragma GCC system_header, -isystem)"),
    cl::value_desc("dir"), cl::cat(Category));
cl::opt<std::string> ExportDir(
    "export-compile-commands",
    cl::desc("Write the clang command lines the analysis uses (host and "
             "device side) to <dir>/compile_commands.json and exit; "
             "clang-tidy-19 can then run over it (see vram-tidy); print "
             "the sources, one per line"),
    cl::value_desc("dir"), cl::cat(Category));
cl::opt<std::string> CudaPathOption(
    "cuda-path", cl::desc("CUDA toolkit to parse with (default: the one "
                          "vram-check was built with)"),
    cl::value_desc("dir"), cl::cat(Category));
cl::opt<bool> PrintPolicy(
    "print-policy",
    cl::desc("Print the policy (every forbidden name, flag and lookup, with "
             "check, reason and alternative) as JSON and exit"),
    cl::cat(Category));
cl::opt<bool> ApplyFixes(
    "fix",
    cl::desc("Apply the suggested fixes to the sources, as clang-tidy --fix "
             "does (cudaMallocManaged -> cudaMalloc where that keeps the "
             "call's meaning); the findings are still reported"),
    cl::cat(Category));
cl::opt<std::string> ExportFixes(
    "export-fixes",
    cl::desc("Write the suggested fixes to <file> as YAML for "
             "clang-apply-replacements, as clang-tidy --export-fixes does"),
    cl::value_desc("file"), cl::cat(Category));
cl::opt<bool> AcceptTokenScan(
    "accept-token-scan",
    cl::desc("A source side that does not parse is read by a token scan for "
             "the policy's names (always); with this option, such a side "
             "is a warning (a notification in JSON and SARIF) instead of "
             "failing the run with exit 2. Its token-scan findings still "
             "count"),
    cl::cat(Category));
cl::opt<bool> Strict(
    "strict",
    cl::desc("A name of the policy in a preprocessor branch that no "
             "analysed configuration compiles (#if !defined(__clang__), "
             "#if __GNUC__ >= 9...) fails the run as a finding does; "
             "without it, such names are notes, counted in the summary"),
    cl::cat(Category));
cl::opt<std::string> InternalRunJob(
    llvm::StringRef(InternalRunJobOption), cl::desc("Run one analysis job (internal)"),
    cl::Hidden, cl::cat(Category));
cl::opt<bool> Verbose("verbose",
                      cl::desc("Show every clang run and what the command "
                               "line translation dropped"),
                      cl::cat(Category));

[[noreturn]] void fail(const llvm::Twine &Message) {
  llvm::WithColor::error(llvm::errs(), "vram-check") << Message << '\n';
  std::exit(2);
}

/// Flushes \p OS and closes it when \p Close; a write that failed (a full
/// disk, a closed pipe) is one error naming \p Where, exit 2, never the
/// stream's "IO failure" abort.
void finishWriting(llvm::raw_fd_ostream &OS, const llvm::Twine &Where,
                   bool Close = false) {
  if (Close)
    OS.close();
  else
    OS.flush();
  if (OS.has_error()) {
    std::string Message = OS.error().message();
    OS.clear_error();
    fail("cannot write " + Where + ": " + Message);
  }
}

std::string absolutePath(llvm::StringRef Path, llvm::StringRef Base) {
  llvm::SmallString<256> Result;
  if (llvm::sys::path::is_absolute(Path)) {
    Result = Path;
  } else {
    Result = Base;
    llvm::sys::path::append(Result, Path);
  }
  llvm::sys::path::remove_dots(Result, /*remove_dot_dot=*/true);
  return std::string(Result);
}

std::string currentDirectory() {
  llvm::SmallString<256> Cwd;
  if (llvm::sys::fs::current_path(Cwd))
    fail("cannot read the current directory");
  return std::string(Cwd);
}

/// The tasks of one compile command that analyse \p File (or every source
/// of the command when \p File is empty). A relative `directory` is
/// relative to \p DatabaseDir; a relative file to the directory. Tasks name
/// their source and directory by absolute paths, so that every report
/// (text, JSON, SARIF, the exported database) does.
void addTasks(const tooling::CompileCommand &Entry, llvm::StringRef File,
              llvm::StringRef DatabaseDir, std::vector<SourceTask> &Tasks,
              AnalysisReport &Report) {
  std::string Directory = absolutePath(Entry.Directory, DatabaseDir);
  llvm::Expected<TranslatedCommand> Command =
      translateCompilerCommand(Entry.CommandLine, Directory);
  std::string Target =
      absolutePath(File.empty() ? Entry.Filename : File, Directory);
  if (!Command) {
    ++Report.Sources;
    Report.Failures.push_back(
        {Target, "",
         "its compile command cannot be read: " +
             llvm::toString(Command.takeError()),
         FailureKind::Command});
    return;
  }
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
  if (!Language && !File.empty()) {
    // Named by the user: never a silent pass.
    ++Report.Sources;
    Report.Failures.push_back(
        {Target, "",
         "not a C, C++ or CUDA source or header (by its extension or -x): "
         "nothing of it was analysed",
         FailureKind::Command});
    return;
  }
  if (!Language) {
    if (Verbose)
      llvm::errs() << "vram-check: " << Target
                   << ": not a C, C++ or CUDA source, skipped\n";
    return;
  }
  if (!llvm::sys::fs::exists(Target)) {
    ++Report.Sources;
    Report.Failures.push_back(
        {Target, "",
         "no such file (a file the build generates? run vram-check after the "
         "build's generation steps, or as its compiler launcher)",
         FailureKind::Missing});
    return;
  }
  Tasks.push_back({*Command, {Target, *Language}, Directory});
}

std::vector<SourceTask> tasksFromDatabase(AnalysisReport &Report) {
  std::string Error;
  std::unique_ptr<tooling::CompilationDatabase> Database;
  std::string Cwd = currentDirectory();
  std::string DatabaseDir = Cwd;
  if (!BuildPath.empty()) {
    DatabaseDir = absolutePath(BuildPath, Cwd);
    if (!llvm::sys::fs::is_directory(BuildPath))
      fail("build directory '" + BuildPath + "' does not exist");
    llvm::SmallString<256> Json(BuildPath);
    llvm::sys::path::append(Json, "compile_commands.json");
    if (!llvm::sys::fs::exists(Json))
      fail("no compile_commands.json in '" + BuildPath +
           "'; configure the build with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON");
    Database = tooling::JSONCompilationDatabase::loadFromFile(
        Json, Error, tooling::JSONCommandLineSyntax::AutoDetect);
    if (!Database)
      fail("cannot read '" + Json + "': " + llvm::StringRef(Error).trim());
  } else if (!Files.empty()) {
    Database = tooling::CompilationDatabase::autoDetectFromSource(
        absolutePath(Files.front(), Cwd), Error);
    if (!Database)
      fail("no compile database found above '" + Files.front() +
           "'; pass -p <build dir>, or the compile flags after '--'");
  } else {
    fail("nothing to analyse: pass -p <build dir> and/or source files");
  }

  std::vector<SourceTask> Tasks;
  if (Files.empty()) {
    std::vector<tooling::CompileCommand> All = Database->getAllCompileCommands();
    if (All.empty())
      fail("the compile database in '" + BuildPath + "' has no entries");
    for (const tooling::CompileCommand &Entry : All)
      addTasks(Entry, "", DatabaseDir, Tasks, Report);
    return Tasks;
  }
  // Files the database does not list (headers, new files) get the command
  // of the most similar file that it does.
  std::unique_ptr<tooling::CompilationDatabase> Inferred =
      tooling::inferMissingCompileCommands(std::move(Database));
  for (const std::string &File : Files) {
    std::string Path = absolutePath(File, Cwd);
    if (!llvm::sys::fs::exists(Path)) {
      ++Report.Sources;
      Report.Failures.push_back({Path, "", "no such file", FailureKind::Missing});
      continue;
    }
    std::vector<tooling::CompileCommand> Commands =
        Inferred->getCompileCommands(Path);
    if (Commands.empty()) {
      ++Report.Sources;
      Report.Failures.push_back(
          {Path, "", "the compile database has no command for it",
           FailureKind::Command});
      continue;
    }
    for (const tooling::CompileCommand &Entry : Commands)
      addTasks(Entry, Path, DatabaseDir, Tasks, Report);
  }
  return Tasks;
}

/// `vram-check files... -- <clang arguments>`: the flags after '--' apply to
/// every file, as with clang-tidy.
std::vector<SourceTask> tasksFromFixedFlags(llvm::ArrayRef<std::string> Flags,
                                            AnalysisReport &Report) {
  if (Files.empty())
    fail("no source files given before '--'");
  std::vector<SourceTask> Tasks;
  std::string Cwd = currentDirectory();
  for (const std::string &File : Files) {
    std::vector<std::string> Argv{VRAM_ONLY_CLANG_DRIVER};
    Argv.insert(Argv.end(), Flags.begin(), Flags.end());
    Argv.push_back(File);
    tooling::CompileCommand Entry(Cwd, File, Argv, "");
    addTasks(Entry, File, Cwd, Tasks, Report);
  }
  return Tasks;
}

CudaToolchain toolchain(const char *Argv0) {
  CudaToolchain Toolchain = CudaToolchain::fromInstallation(Argv0);
  if (!CudaPathOption.empty())
    Toolchain.CudaPath = CudaPathOption;
  return Toolchain;
}

std::vector<CheckDescription> describe(analysis::RuleSet Checks) {
  std::vector<CheckDescription> Descriptions;
  for (analysis::Rule R : analysis::AllRules)
    if (Checks.contains(R))
      Descriptions.push_back({analysis::checkName(R).str(),
                              analysis::ruleSummary(R).str(),
                              analysis::ruleHelp(R).str()});
  return Descriptions;
}

/// Writes the report to -o or standard output. A path that cannot be
/// opened or written (a missing directory, no permission, a full disk) is
/// one clear error with the path, exit 2: never a run that seems to pass.
void writeReport(const AnalysisReport &Report, analysis::RuleSet Checks) {
  Severity Level = Warn ? Severity::Warning : Severity::Error;
  std::error_code EC;
  std::unique_ptr<llvm::ToolOutputFile> File;
  llvm::raw_fd_ostream *OS = &llvm::outs();
  std::string Where = "standard output";
  if (!OutputPath.empty()) {
    Where = "'" + OutputPath + "'";
    File = std::make_unique<llvm::ToolOutputFile>(OutputPath, EC,
                                                  llvm::sys::fs::OF_Text);
    if (EC)
      fail("cannot write the report to " + Where + ": " + EC.message());
    OS = &File->os();
  }
  switch (Format) {
  case OutputFormat::Text:
    writeText(Report, Level, *OS,
              File == nullptr && llvm::outs().has_colors());
    break;
  case OutputFormat::Json:
    writeJson(Report, *OS);
    break;
  case OutputFormat::Sarif: {
    std::string Root =
        SourceRoot.empty() ? currentDirectory()
                           : absolutePath(SourceRoot, currentDirectory());
    writeSarif(Report, describe(Checks), Level, Root, VRAM_ONLY_VERSION,
               *OS);
    break;
  }
  }
  OS->flush();
  if (OS->has_error()) {
    std::string Message = OS->error().message();
    OS->clear_error(); // reported here, not by the stream's destructor
    fail("cannot write the report to " + Where + ": " + Message);
  }
  if (File) {
    File->os().close();
    if (File->os().has_error()) {
      std::string Message = File->os().error().message();
      File->os().clear_error();
      fail("cannot write the report to " + Where + ": " + Message);
    }
    File->keep();
  }
}

/// --export-fixes and --fix, after the analysis and before the report.
/// Returns false when a file could not be fixed (named on stderr): the
/// report and the summary still follow, and the run exits 2.
bool handleFixes(const AnalysisReport &Report,
                 const std::vector<SourceTask> &Tasks) {
  Severity Level = Warn ? Severity::Warning : Severity::Error;
  if (!ExportFixes.empty()) {
    std::error_code EC;
    llvm::ToolOutputFile File(ExportFixes, EC, llvm::sys::fs::OF_Text);
    if (EC)
      fail("cannot write '" + ExportFixes + "': " + EC.message());
    writeFixesYaml(Report, Level,
                   Tasks.empty() ? "" : absolutePath(Tasks.front().Source.Path,
                                                     Tasks.front().Directory),
                   currentDirectory(), File.os());
    File.os().close();
    if (File.os().has_error())
      fail("cannot write '" + ExportFixes + "': " +
           File.os().error().message());
    File.keep();
  }
  if (!ApplyFixes)
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

int exportCommands(const std::vector<SourceTask> &Tasks,
                   const CudaToolchain &Toolchain,
                   const AnalysisReport &Report) {
  for (const AnalysisFailure &Failure : Report.Failures)
    llvm::WithColor::error(llvm::errs(), "vram-check")
        << describeFailure(Failure) << '\n';
  if (std::error_code EC = llvm::sys::fs::create_directories(ExportDir))
    fail("cannot create '" + ExportDir + "': " + EC.message());
  llvm::SmallString<256> Path(ExportDir);
  llvm::sys::path::append(Path, "compile_commands.json");
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_Text);
  if (EC)
    fail("cannot write '" + Path + "': " + EC.message());
  llvm::json::OStream J(OS, 2);
  J.array([&] {
    for (const SourceTask &Task : Tasks)
      for (const AnalysisJob &Job :
           planJobs(Task.Command, Task.Source, Task.Directory, Toolchain))
        J.object([&] {
          J.attribute("directory", Job.Directory);
          J.attribute("file", Job.Source);
          J.attributeArray("arguments", [&] {
            for (const std::string &Arg : Job.Argv)
              J.value(Arg);
          });
        });
  });
  OS << '\n';
  finishWriting(OS, "'" + Path + "'", /*Close=*/true);
  // The sources, once each, for the caller (vram-tidy passes them to
  // clang-tidy).
  std::vector<std::string> Sources;
  for (const SourceTask &Task : Tasks)
    if (!llvm::is_contained(Sources, Task.Source.Path))
      Sources.push_back(Task.Source.Path);
  for (const std::string &Source : Sources)
    llvm::outs() << Source << '\n';
  finishWriting(llvm::outs(), "the sources to standard output");
  return Report.Failures.empty() ? 0 : 2;
}

} // namespace

int main(int argc, const char **argv) {
  llvm::InitLLVM Init(argc, argv);
  std::string Self = llvm::sys::fs::getMainExecutable(
      argv[0], reinterpret_cast<void *>(&currentDirectory));
  // Everything after the first '--' is a compile command (--launcher) or
  // clang flags (files -- flags); llvm::cl sees only what comes before.
  std::vector<const char *> OwnArgs;
  std::vector<std::string> AfterDashDash;
  bool SeenDashDash = false;
  for (int I = 0; I < argc; ++I) {
    if (!SeenDashDash && I > 0 && llvm::StringRef(argv[I]) == "--") {
      SeenDashDash = true;
      continue;
    }
    if (SeenDashDash)
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
  if (!cl::ParseCommandLineOptions(
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
          &ParseErrorStream)) {
    // llvm::cl prints errors about option values itself; the others are
    // here. Either way: one line, then exit 2.
    llvm::StringRef First = llvm::StringRef(ParseErrors).split('\n').first;
    First.consume_front("vram-check: ");
    First = First.split("  Try:").first.trim();
    if (First.empty())
      std::exit(2);
    fail(First + " (see vram-check --help)");
  }

  if (PrintPolicy) {
    printPolicy(llvm::outs());
    finishWriting(llvm::outs(), "the policy to standard output");
    return 0;
  }

  llvm::Expected<analysis::RuleSet> Checks =
      analysis::selectChecks(ChecksOption);
  if (!Checks)
    fail("--checks: " + llvm::toString(Checks.takeError()));
  if (Checks->empty())
    fail("--checks='" + ChecksOption + "' enables no check (available: " +
         llvm::join(analysis::allCheckNames(), ", ") + ")");

  if (!InternalRunJob.empty())
    return runJobFile(InternalRunJob, *Checks);

  CudaToolchain Toolchain = toolchain(argv[0]);
  DriverOptions Driver;
  Driver.Jobs = JobCount;
  Driver.Verbose = Verbose;
  Driver.SelfExecutable = Self;
  Driver.Checks = ChecksOption;
  // The project's files are its own code even when marked system. Under
  // --launcher the current directory is the build's, not the project's:
  // only an explicit --source-root counts there.
  if (!SourceRoot.empty())
    Driver.ProjectRoot = absolutePath(SourceRoot, currentDirectory());
  else if (!LauncherMode)
    Driver.ProjectRoot = currentDirectory();

  if (LauncherMode) {
    if (!BuildPath.empty() || !Files.empty() || !ExportDir.empty())
      fail("--launcher takes only the compile command after '--'");
    if (NoCache && !CacheDir.empty())
      fail("--no-cache and --cache-dir contradict each other");
    if (ApplyFixes || !ExportFixes.empty())
      fail("--fix and --export-fixes do not apply to --launcher: run "
           "vram-check -p <build dir> --fix after the build");
    if (AfterDashDash.empty())
      fail("--launcher needs the compile command after '--'");
    // ninja already compiles in parallel: the sides of one source one at a
    // time unless -j says otherwise.
    Driver.Jobs = JobCount ? JobCount.getValue() : 1u;
    LauncherOptions Options{Warn, AcceptTokenScan, Driver,
                            NoCache ? std::string()
                            : CacheDir.empty()
                                ? AnalysisCache::defaultDirectory()
                                : std::string(CacheDir)};
    return runLauncher(AfterDashDash, Toolchain, *Checks, Options);
  }
  AnalysisReport Report;
  Report.AcceptTokenScan = AcceptTokenScan;
  Report.Strict = Strict;
  std::vector<SourceTask> Tasks =
      SeenDashDash ? tasksFromFixedFlags(AfterDashDash, Report)
                   : tasksFromDatabase(Report);
  if (!ExportDir.empty())
    return exportCommands(Tasks, Toolchain, Report);
  Driver.Progress = llvm::errs().is_displayed();
  analyseSources(Tasks, Toolchain, *Checks, Driver, Report);
  bool Fixed = handleFixes(Report, Tasks);
  writeReport(Report, *Checks);
  writeSummary(Report);
  return Fixed ? Report.exitCode(/*FindingsAreErrors=*/!Warn) : 2;
}
