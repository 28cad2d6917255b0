//===- AnalysisReport.cpp - Merging findings, exit codes ------------------===//

#include "AnalysisReport.h"

#include "CompilerCommand.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <tuple>

namespace vram_only {

std::string ReportedFinding::absoluteFile() const {
  return absolutePath(file(), BuildDirectory);
}

llvm::StringRef failureKindName(FailureKind Kind) {
  switch (Kind) {
  case FailureKind::Missing:
    return "no such file";
  case FailureKind::Command:
    return "unreadable command";
  case FailureKind::Config:
    return "bad configuration";
  case FailureKind::Parse:
    return "did not parse";
  case FailureKind::Crash:
    return "crashed";
  }
  return "not analysed";
}

std::string describeFailure(const AnalysisFailure &Failure) {
  std::string What = Failure.File;
  if (!Failure.Side.empty())
    What += " (" + Failure.Side + ")";
  return What + " was not analysed: " + Failure.Reason;
}

std::string describeInactiveName(const ReportedFinding &Note) {
  std::string Where = Note.Side.empty() ? "" : " (" + Note.Side + " side)";
  return Note.Api + " is in a preprocessor branch that the analysis" + Where +
         " did not compile, another configuration does: " + Note.text();
}

void AnalysisReport::normalise() {
  std::sort(Findings.begin(), Findings.end());
  Findings.erase(std::unique(Findings.begin(), Findings.end()), Findings.end());
  // A token scan's finding that a parse of another side found too.
  std::vector<ReportedFinding> Kept;
  for (const ReportedFinding &F : Findings) {
    bool Parsed = F.fromTokenScan() &&
                  std::any_of(Findings.begin(), Findings.end(),
                              [&](const ReportedFinding &O) {
                                return !O.fromTokenScan() &&
                                       O.file() == F.file() &&
                                       O.Line == F.Line &&
                                       O.check() == F.check() && O.Api == F.Api;
                              });
    if (!Parsed)
      Kept.push_back(F);
  }
  Findings = std::move(Kept);
  // A name in a branch one side skipped and another compiled is a finding
  // (or was silenced there by NOLINT): no note. The first side's note of a
  // place is kept.
  auto Place = [](const ReportedFinding &F) {
    return std::make_pair(F.absoluteFile(), F.Message.FileOffset);
  };
  std::vector<ReportedFinding> Notes;
  std::stable_sort(InactiveNames.begin(), InactiveNames.end(),
                   [&](const ReportedFinding &A, const ReportedFinding &B) {
                     return std::make_pair(Place(A), A.Side) <
                            std::make_pair(Place(B), B.Side);
                   });
  for (const ReportedFinding &N : InactiveNames) {
    bool Found = std::any_of(Findings.begin(), Findings.end(),
                             [&](const ReportedFinding &F) {
                               return !F.fromTokenScan() &&
                                      F.absoluteFile() == N.absoluteFile() &&
                                      F.Line == N.Line && F.Api == N.Api;
                             });
    bool Repeated = !Notes.empty() && Place(Notes.back()) == Place(N);
    if (!Found && !Repeated)
      Notes.push_back(N);
  }
  InactiveNames = std::move(Notes);
  std::sort(Failures.begin(), Failures.end(),
            [](const AnalysisFailure &A, const AnalysisFailure &B) {
              return std::tie(A.File, A.Side, A.Reason) <
                     std::tie(B.File, B.Side, B.Reason);
            });
}

unsigned AnalysisReport::fatalFailures() const {
  return static_cast<unsigned>(
      std::count_if(Failures.begin(), Failures.end(),
                    [&](const AnalysisFailure &F) { return isFatal(F); }));
}

int AnalysisReport::exitCode(bool FindingsAreErrors) const {
  if (fatalFailures() > 0)
    return 2;
  if (FindingsAreErrors && !Findings.empty())
    return 1;
  return Strict && !InactiveNames.empty() ? 1 : 0;
}

std::string AnalysisReport::summary() const {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << "vram-check: " << Sources << " source(s); " << SidesAnalysed << " of "
     << SidesPlanned << " side(s) analysed";
  if (SidesFromCache > 0)
    OS << " (" << SidesFromCache << " clean in the cache)";
  OS << "; " << Failures.size() << " not analysed";
  if (!Failures.empty()) {
    OS << " (";
    bool First = true;
    for (FailureKind Kind :
         {FailureKind::Missing, FailureKind::Command, FailureKind::Config,
          FailureKind::Parse, FailureKind::Crash}) {
      auto N = std::count_if(Failures.begin(), Failures.end(),
                             [&](const AnalysisFailure &F) {
                               return F.Kind == Kind;
                             });
      if (N == 0)
        continue;
      OS << (First ? "" : ", ") << N << ' ' << failureKindName(Kind);
      First = false;
    }
    unsigned Accepted = static_cast<unsigned>(Failures.size()) - fatalFailures();
    if (Accepted > 0)
      OS << "; " << Accepted << " accepted with a token scan";
    OS << ')';
  }
  OS << "; " << Findings.size() << " finding(s)";
  auto Scanned = std::count_if(
      Findings.begin(), Findings.end(),
      [](const ReportedFinding &F) { return F.fromTokenScan(); });
  if (Scanned > 0)
    OS << " (" << Scanned << " from a token scan)";
  if (!InactiveNames.empty())
    OS << "; " << InactiveNames.size()
       << " note(s) in inactive preprocessor branches"
       << (Strict ? " (--strict: they fail the run)" : "");
  return Text;
}

} // namespace vram_only
