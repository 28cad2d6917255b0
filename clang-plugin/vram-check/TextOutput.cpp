//===- TextOutput.cpp - clang-style diagnostics ---------------------------===//

#include "AnalysisReport.h"

#include "llvm/Support/WithColor.h"

namespace vram_only {

static void writeSnippet(unsigned Line, unsigned Column,
                         llvm::StringRef SourceLine, llvm::raw_ostream &OS,
                         bool Colors) {
  if (SourceLine.empty())
    return;
  std::string Number = std::to_string(Line);
  OS.indent(5 - std::min<size_t>(Number.size(), 5)) << Number << " | "
                                                    << SourceLine << '\n';
  OS.indent(5) << " | ";
  // Keep tabs so that the caret lines up under the token.
  for (unsigned I = 1; I < Column && I - 1 < SourceLine.size(); ++I)
    OS << (SourceLine[I - 1] == '\t' ? '\t' : ' ');
  if (Colors)
    OS.changeColor(llvm::raw_ostream::GREEN, /*Bold=*/true);
  OS << '^';
  if (Colors)
    OS.resetColor();
  OS << '\n';
}

void writeText(const AnalysisReport &Report, Severity Level,
               llvm::raw_ostream &OS, bool Colors) {
  for (const ReportedFinding &F : Report.Findings) {
    if (Colors)
      OS.changeColor(llvm::raw_ostream::SAVEDCOLOR, /*Bold=*/true);
    OS << F.file() << ':' << F.Line << ':' << F.Column << ": ";
    if (Colors)
      OS.changeColor(Level == Severity::Error ? llvm::raw_ostream::RED
                                              : llvm::raw_ostream::MAGENTA,
                     /*Bold=*/true);
    OS << (Level == Severity::Error ? "error: " : "warning: ");
    if (Colors)
      OS.changeColor(llvm::raw_ostream::SAVEDCOLOR, /*Bold=*/true);
    OS << F.text() << " [" << F.check() << ']';
    if (Colors)
      OS.resetColor();
    OS << '\n';
    writeSnippet(F.Line, F.Column, F.SourceLine, OS, Colors);
    for (size_t I = 0; I < F.Notes.size(); ++I) {
      const NotePlace &At = F.NotePlaces[I];
      OS << F.Notes[I].FilePath << ':' << At.Line << ':' << At.Column
         << ": note: " << F.Notes[I].Message << '\n';
      writeSnippet(At.Line, At.Column, At.SourceLine, OS, Colors);
    }
    if (F.fromTokenScan())
      OS << F.file() << ':' << F.Line << ':' << F.Column
         << ": note: found by a token scan, not by the analysis: "
         << F.ScanReason << '\n';
  }
  for (const ReportedFinding &N : Report.InactiveNames) {
    OS << N.file() << ':' << N.Line << ':' << N.Column << ": "
       << (Report.Strict ? (Level == Severity::Error ? "error: " : "warning: ")
                         : "note: ")
       << describeInactiveName(N) << " [" << N.check() << "]\n";
    writeSnippet(N.Line, N.Column, N.SourceLine, OS, Colors);
  }
}

} // namespace vram_only
