//===- AnalysisDriver.cpp - Analyse many sources, merge what they report --===//

#include "AnalysisDriver.h"

#include "AnalysisCache.h"
#include "JobProcess.h"
#include "JobRunner.h"
#include "TokenScan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Chrono.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>
#include <mutex>
#include <set>

namespace vram_only {
namespace {

/// One line on stderr, rewritten in place, as run-clang-tidy shows it.
class ProgressLine {
public:
  ProgressLine(bool Enabled, size_t Total)
      : Enabled(Enabled), Total(Total),
        Start(std::chrono::steady_clock::now()) {}

  void update(size_t Done, size_t Findings) {
    if (!Enabled)
      return;
    auto Elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - Start)
                       .count();
    llvm::errs() << "\r\x1b[K[" << Done << '/' << Total << " sources, "
                 << Elapsed << " s, " << Findings << " finding(s)]";
    llvm::errs().flush();
    Shown = true;
  }
  /// Clears the line before anything else is printed.
  void clear() {
    if (Enabled && Shown)
      llvm::errs() << "\r\x1b[K";
    Shown = false;
  }

private:
  bool Enabled;
  size_t Total;
  std::chrono::steady_clock::time_point Start;
  bool Shown = false;
};

/// Runs \p Work(I) for I in [0, N): in parallel unless \p Jobs is 1.
template <typename Fn> void forEachIndex(size_t N, unsigned Jobs, Fn Work) {
  if (Jobs == 1 || N <= 1) {
    for (size_t I = 0; I < N; ++I)
      Work(I);
    return;
  }
  llvm::DefaultThreadPool Pool(llvm::hardware_concurrency(Jobs));
  for (size_t I = 0; I < N; ++I)
    Pool.async([&Work, I] { Work(I); });
  Pool.wait();
}

} // namespace

void analyseSources(const std::vector<SourceTask> &Tasks,
                    const CudaToolchain &Toolchain,
                    analysis::RuleSet Checks, const DriverOptions &Options,
                    AnalysisReport &Report) {
  struct PlannedJob {
    AnalysisJob Job;
    size_t Task;
  };
  // A source analysed clean before, with the same text and settings, is
  // not analysed again: its key costs a preprocessor run per side.
  AnalysisCache Cache(Options.CacheDirectory);
  std::vector<std::optional<std::string>> Keys(Tasks.size());
  std::vector<char> CleanBefore(Tasks.size(), 0);
  if (!Options.CacheDirectory.empty())
    forEachIndex(Tasks.size(), Options.Jobs, [&](size_t T) {
      Keys[T] = AnalysisCache::keyFor({Tasks[T]}, Toolchain,
                                      Options.cacheSettings(),
                                      Options.SelfExecutable);
      CleanBefore[T] = Keys[T] && Cache.lookup(*Keys[T]).has_value();
    });

  std::vector<PlannedJob> Jobs;
  std::vector<size_t> JobsLeft(Tasks.size(), 0);
  // Sources with a finding, a note or a side not analysed are not stored.
  std::vector<char> Clean(Tasks.size(), 1);
  size_t SourcesDone = 0;
  for (size_t T = 0; T < Tasks.size(); ++T) {
    std::vector<AnalysisJob> Planned = planJobs(
        Tasks[T].Command, Tasks[T].Source, Tasks[T].Directory, Toolchain);
    if (CleanBefore[T]) {
      if (Options.Verbose)
        llvm::errs() << "vram-check: " << Tasks[T].Source.Path
                     << ": analysed clean before (cache entry " << *Keys[T]
                     << ")\n";
      Report.SidesPlanned += Planned.size();
      Report.SidesAnalysed += Planned.size();
      Report.SidesFromCache += Planned.size();
      ++SourcesDone;
      continue;
    }
    if (Planned.empty())
      Clean[T] = 0;
    for (AnalysisJob &Job : Planned) {
      Job.ProjectRoot = Options.ProjectRoot;
      Jobs.push_back({std::move(Job), T});
      ++JobsLeft[T];
    }
  }

  std::mutex Lock;
  std::set<std::string> ErrorsShown; // host and device report the same ones
  std::set<ReportedFinding> Distinct; // the sides of a source repeat findings
  ProgressLine Progress(Options.Progress, Tasks.size());
  // Each source that did not parse: the failure the scan names (the first
  // side in name order, so that the output does not depend on timing).
  std::map<std::string, std::pair<std::string, std::string>> NotParsed;
  auto Run = [&](const PlannedJob &Planned) {
    const AnalysisJob &Job = Planned.Job;
    JobOutcome Outcome =
        runAnalysisJobInChild(Job, Options.SelfExecutable, Options.Checks);
    std::lock_guard<std::mutex> Guard(Lock);
    Progress.clear();
    if (!Outcome.Diagnostics.empty() || Outcome.Failure)
      Clean[Planned.Task] = 0;
    size_t Findings = 0;
    for (ReportedFinding &F : Outcome.Diagnostics) {
      if (F.DiagLevel == ReportedFinding::Remark) {
        F.Side = Job.sideName();
        Report.InactiveNames.push_back(std::move(F));
        continue;
      }
      ++Findings;
      Distinct.insert(F);
      Report.Findings.push_back(std::move(F));
    }
    if (Options.Verbose) {
      llvm::errs() << "vram-check: analysed " << Job.Source;
      if (!Job.sideName().empty())
        llvm::errs() << " (" << Job.sideName() << ")";
      llvm::errs() << ": " << Findings << " finding(s)\n  ";
      llvm::interleave(Job.Argv, llvm::errs(), " ");
      llvm::errs() << '\n';
    }
    for (const std::string &Error : Outcome.Errors)
      if (ErrorsShown.insert(Error).second)
        llvm::errs() << Error << '\n';
    if (Outcome.Failure) {
      if (Outcome.Failure->Kind == FailureKind::Parse ||
          Outcome.Failure->Kind == FailureKind::Crash) {
        std::string Side = Job.sideName().empty() ? "the source"
                                                  : Job.sideName() + " side";
        auto [It, New] = NotParsed.try_emplace(Job.Source, Side,
                                               Outcome.Failure->Reason);
        if (!New && Side < It->second.first)
          It->second = {Side, Outcome.Failure->Reason};
      }
      Report.Failures.push_back(*Outcome.Failure);
    } else {
      ++Report.SidesAnalysed;
    }
    if (--JobsLeft[Planned.Task] == 0)
      ++SourcesDone;
    Progress.update(SourcesDone, Distinct.size());
  };

  forEachIndex(Jobs.size(), Options.Jobs, [&](size_t J) { Run(Jobs[J]); });
  Progress.clear();
  for (size_t T = 0; T < Tasks.size(); ++T)
    if (Keys[T] && !CleanBefore[T] && Clean[T])
      if (std::optional<std::string> Error = Cache.store(*Keys[T], ""))
        if (Options.Verbose)
          llvm::errs() << "vram-check: not cached: " << *Error << '\n';

  // What the parse did not see, the token scan reads: once per source.
  std::set<std::string> Scanned;
  for (const auto &[Path, Failure] : NotParsed) {
    std::optional<std::vector<ReportedFinding>> Found = scanFileTokens(
        Path, Checks,
        "the " + Failure.first + " did not parse: " + Failure.second);
    if (!Found)
      continue;
    Scanned.insert(Path);
    llvm::append_range(Report.Findings, *Found);
  }
  for (AnalysisFailure &Failure : Report.Failures)
    if (Scanned.count(Failure.File))
      Failure.TokenScanned = true;
  Report.Sources += Tasks.size();
  Report.SidesPlanned += Jobs.size();
  Report.normalise();
}

} // namespace vram_only
