//===- AnalysisDriver.cpp - Analyse many sources, merge what they report --===//

#include "AnalysisDriver.h"

#include "JobRunner.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>
#include <set>

namespace vram_only {

void analyseSources(const std::vector<SourceTask> &Tasks,
                    const CudaToolchain &Toolchain,
                    analysis::RuleSet Checks, const DriverOptions &Options,
                    AnalysisReport &Report) {
  std::vector<AnalysisJob> Jobs;
  for (const SourceTask &Task : Tasks)
    for (AnalysisJob &Job :
         planJobs(Task.Command, Task.Source, Task.Directory, Toolchain))
      Jobs.push_back(std::move(Job));

  std::mutex Lock;
  std::set<std::string> ErrorsShown; // host and device report the same ones
  auto Run = [&](const AnalysisJob &Job) {
    JobOutcome Outcome = runAnalysisJob(Job, Checks);
    std::lock_guard<std::mutex> Guard(Lock);
    if (Options.Verbose) {
      llvm::errs() << "vram-check: analysed " << Job.Source;
      if (!Job.sideName().empty())
        llvm::errs() << " (" << Job.sideName() << ")";
      llvm::errs() << ": " << Outcome.Findings.size() << " finding(s)\n  ";
      llvm::interleave(Job.Argv, llvm::errs(), " ");
      llvm::errs() << '\n';
    }
    for (const std::string &Error : Outcome.Errors)
      if (ErrorsShown.insert(Error).second)
        llvm::errs() << Error << '\n';
    llvm::append_range(Report.Findings, Outcome.Findings);
    if (Outcome.Failure)
      Report.Failures.push_back(*Outcome.Failure);
  };

  if (Options.Jobs == 1 || Jobs.size() <= 1) {
    for (const AnalysisJob &Job : Jobs)
      Run(Job);
  } else {
    llvm::DefaultThreadPool Pool(llvm::hardware_concurrency(Options.Jobs));
    for (const AnalysisJob &Job : Jobs)
      Pool.async([&Run, &Job] { Run(Job); });
    Pool.wait();
  }
  Report.SourcesAnalysed += Tasks.size();
  Report.normalise();
}

} // namespace vram_only
