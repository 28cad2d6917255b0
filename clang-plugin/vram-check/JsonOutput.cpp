//===- JsonOutput.cpp - Findings, sources not analysed, the summary -------===//

#include "AnalysisReport.h"

#include "llvm/Support/JSON.h"

namespace vram_only {

void writeJson(const AnalysisReport &Report, llvm::raw_ostream &OS) {
  llvm::json::OStream J(OS, /*IndentSize=*/2);
  // Where a finding or a note is, and what it names.
  auto WritePlace = [&](const ReportedFinding &F) {
    J.attribute("file", F.File);
    J.attribute("line", F.Line);
    J.attribute("column", F.Column);
    J.attribute("check", F.Check);
    J.attribute("api", F.Api);
  };
  J.object([&] {
    J.attributeArray("findings", [&] {
      for (const ReportedFinding &F : Report.Findings)
        J.object([&] {
          WritePlace(F);
          J.attribute("message", F.Message);
          J.attribute("origin", F.fromTokenScan() ? "token-scan" : "analysis");
          if (F.fromTokenScan())
            J.attribute("scan_reason", F.ScanReason);
          if (!F.Notes.empty())
            J.attributeArray("notes", [&] {
              for (const ReportedNote &N : F.Notes)
                J.object([&] {
                  J.attribute("file", N.File);
                  J.attribute("line", N.Line);
                  J.attribute("column", N.Column);
                  J.attribute("message", N.Message);
                });
            });
        });
    });
    // The policy's names in preprocessor branches no side compiled.
    J.attributeArray("inactive_branch_notes", [&] {
      for (const ReportedFinding &N : Report.InactiveNames)
        J.object([&] {
          WritePlace(N);
          J.attribute("side", N.ScanReason);
          J.attribute("message", describeInactiveName(N));
        });
    });
    // Notifications: what was not analysed, as errors (the run fails) or,
    // accepted with a token scan, as warnings.
    J.attributeArray("not_analysed", [&] {
      for (const AnalysisFailure &F : Report.Failures)
        J.object([&] {
          J.attribute("file", F.File);
          J.attribute("side", F.Side);
          J.attribute("kind", failureKindName(F.Kind));
          J.attribute("reason", F.Reason);
          J.attribute("token_scanned", F.TokenScanned);
          J.attribute("level", Report.isFatal(F) ? "error" : "warning");
        });
    });
    J.attributeObject("summary", [&] {
      J.attribute("sources", Report.Sources);
      J.attribute("sides", Report.SidesPlanned);
      J.attribute("sides_analysed", Report.SidesAnalysed);
      J.attribute("not_analysed", static_cast<int64_t>(Report.Failures.size()));
      J.attribute("findings", static_cast<int64_t>(Report.Findings.size()));
      J.attribute("inactive_branch_notes",
                  static_cast<int64_t>(Report.InactiveNames.size()));
    });
  });
  OS << '\n';
}

} // namespace vram_only
