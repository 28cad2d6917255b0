//===- JsonOutput.cpp - Findings, sources not analysed, the summary -------===//

#include "AnalysisReport.h"

#include "llvm/Support/JSON.h"

namespace vram_only {

void writeJson(const AnalysisReport &Report, llvm::raw_ostream &OS) {
  llvm::json::OStream J(OS, /*IndentSize=*/2);
  // Where a finding or a note is, and what it names.
  auto WritePlace = [&](const ReportedFinding &F) {
    J.attribute("file", F.file());
    J.attribute("line", F.Line);
    J.attribute("column", F.Column);
    J.attribute("check", F.check());
    J.attribute("api", F.Api);
  };
  J.object([&] {
    J.attributeArray("findings", [&] {
      for (const ReportedFinding &F : Report.Findings)
        J.object([&] {
          WritePlace(F);
          J.attribute("message", F.text());
          J.attribute("origin", F.fromTokenScan() ? "token-scan" : "analysis");
          if (F.fromTokenScan())
            J.attribute("scan_reason", F.ScanReason);
          if (!F.Notes.empty())
            J.attributeArray("notes", [&] {
              for (size_t I = 0; I < F.Notes.size(); ++I)
                J.object([&] {
                  J.attribute("file", F.Notes[I].FilePath);
                  J.attribute("line", F.NotePlaces[I].Line);
                  J.attribute("column", F.NotePlaces[I].Column);
                  J.attribute("message", F.Notes[I].Message);
                });
            });
        });
    });
    // The policy's names in preprocessor branches no side compiled.
    J.attributeArray("inactive_branch_notes", [&] {
      for (const ReportedFinding &N : Report.InactiveNames)
        J.object([&] {
          WritePlace(N);
          J.attribute("side", N.Side);
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
      if (Report.SidesFromCache > 0)
        J.attribute("sides_clean_in_cache", Report.SidesFromCache);
      J.attribute("not_analysed", static_cast<int64_t>(Report.Failures.size()));
      J.attribute("findings", static_cast<int64_t>(Report.Findings.size()));
      J.attribute("inactive_branch_notes",
                  static_cast<int64_t>(Report.InactiveNames.size()));
    });
  });
  OS << '\n';
}

} // namespace vram_only
