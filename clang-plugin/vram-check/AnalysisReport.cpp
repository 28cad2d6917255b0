//===- AnalysisReport.cpp - Merging findings, exit codes ------------------===//

#include "AnalysisReport.h"

#include <algorithm>
#include <tuple>

namespace vram_only {

bool ReportedFinding::operator<(const ReportedFinding &Other) const {
  return std::tie(File, Line, Column, Check, Api, Message) <
         std::tie(Other.File, Other.Line, Other.Column, Other.Check, Other.Api,
                  Other.Message);
}

bool ReportedFinding::operator==(const ReportedFinding &Other) const {
  return std::tie(File, Line, Column, Check, Api, Message) ==
         std::tie(Other.File, Other.Line, Other.Column, Other.Check, Other.Api,
                  Other.Message);
}

void AnalysisReport::normalise() {
  std::sort(Findings.begin(), Findings.end());
  Findings.erase(std::unique(Findings.begin(), Findings.end()), Findings.end());
  std::sort(Failures.begin(), Failures.end(),
            [](const AnalysisFailure &A, const AnalysisFailure &B) {
              return std::tie(A.File, A.Side, A.Reason) <
                     std::tie(B.File, B.Side, B.Reason);
            });
}

int AnalysisReport::exitCode(bool FindingsAreErrors) const {
  if (!Failures.empty())
    return 2;
  return FindingsAreErrors && !Findings.empty() ? 1 : 0;
}

} // namespace vram_only
