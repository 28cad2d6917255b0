//===- JsonOutput.cpp - One JSON object per finding -----------------------===//

#include "AnalysisReport.h"

#include "llvm/Support/JSON.h"

namespace vram_only {

void writeJson(const AnalysisReport &Report, llvm::raw_ostream &OS) {
  llvm::json::OStream J(OS, /*IndentSize=*/2);
  J.array([&] {
    for (const ReportedFinding &F : Report.Findings)
      J.object([&] {
        J.attribute("file", F.File);
        J.attribute("line", F.Line);
        J.attribute("column", F.Column);
        J.attribute("check", F.Check);
        J.attribute("api", F.Api);
        J.attribute("message", F.Message);
      });
  });
  OS << '\n';
}

} // namespace vram_only
