//===- InactiveBranches.cpp - Policy names in code clang did not compile --===//

#include "InactiveBranches.h"

#include "TokenScan.h"

#include "clang/Basic/SourceManager.h"

namespace vram_only {

void InactiveBranchRecorder::SourceRangeSkipped(clang::SourceRange Range,
                                                clang::SourceLocation) {
  clang::SourceLocation Begin = SM.getFileLoc(Range.getBegin());
  clang::SourceLocation End = SM.getFileLoc(Range.getEnd());
  if (Begin.isInvalid() || End.isInvalid() ||
      Locator.isOutsideUserCode(Begin))
    return;
  auto [File, BeginOffset] = SM.getDecomposedLoc(Begin);
  auto [EndFile, EndOffset] = SM.getDecomposedLoc(End);
  if (File != EndFile || EndOffset < BeginOffset)
    return;
  Ranges[File].emplace_back(BeginOffset, EndOffset);
}

std::vector<ReportedFinding>
InactiveBranchRecorder::policyNames(analysis::RuleSet Rules) const {
  std::vector<ReportedFinding> Names;
  for (const auto &[File, FileRanges] : Ranges) {
    bool Invalid = false;
    llvm::StringRef Text = SM.getBufferData(File, &Invalid);
    if (Invalid)
      continue;
    llvm::StringRef Name =
        SM.getFileEntryRefForID(File) ? SM.getFileEntryRefForID(File)->getName()
                                      : llvm::StringRef();
    if (Name.empty())
      continue;
    for (ReportedFinding &F : scanTokens(Name, Text, Rules, "")) {
      bool Skipped = llvm::any_of(FileRanges, [&](const auto &R) {
        unsigned Offset = F.Message.FileOffset;
        return Offset >= R.first && Offset < R.second;
      });
      if (Skipped) {
        F.DiagLevel = ReportedFinding::Remark;
        Names.push_back(std::move(F));
      }
    }
  }
  return Names;
}

} // namespace vram_only
