//===- Fixes.cpp - --fix and --export-fixes, as clang-tidy has them -------===//

#include "Fixes.h"

#include "clang/Tooling/Core/Diagnostic.h"
#include "clang/Tooling/Core/Replacement.h"
#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/YAMLTraits.h"

#include <map>

namespace vram_only {

void writeFixesYaml(const AnalysisReport &Report, Severity Level,
                    llvm::StringRef MainSourceFile,
                    llvm::StringRef BuildDirectory, llvm::raw_ostream &OS) {
  clang::tooling::TranslationUnitDiagnostics Document;
  Document.MainSourceFile = MainSourceFile.str();
  for (const ReportedFinding &F : Report.Findings) {
    if (F.Fixes.empty())
      continue;
    clang::tooling::DiagnosticMessage Message(F.Message);
    Message.FilePath = F.AbsoluteFile;
    Message.FileOffset = F.FileOffset;
    for (const clang::tooling::Replacement &R : F.Fixes)
      llvm::consumeError(Message.Fix[R.getFilePath()].add(R));
    Document.Diagnostics.emplace_back(
        F.Check, Message, llvm::SmallVector<clang::tooling::DiagnosticMessage, 1>(),
        Level == Severity::Error ? clang::tooling::Diagnostic::Error
                                 : clang::tooling::Diagnostic::Warning,
        BuildDirectory);
  }
  llvm::yaml::Output YAML(OS);
  YAML << Document;
}

llvm::Expected<AppliedFixes> applyFixes(const AnalysisReport &Report) {
  AppliedFixes Result;
  std::map<std::string, clang::tooling::Replacements> ByFile;
  for (const ReportedFinding &F : Report.Findings) {
    if (F.Fixes.empty())
      continue;
    ++Result.Suggested;
    // All of the finding's replacements, or none.
    std::map<std::string, clang::tooling::Replacements> Trial;
    bool Fits = true;
    for (const clang::tooling::Replacement &R : F.Fixes) {
      std::string Path = R.getFilePath().str();
      if (!Trial.count(Path))
        Trial[Path] = ByFile[Path];
      if (llvm::Error E = Trial[Path].add(R)) {
        llvm::consumeError(std::move(E));
        Fits = false;
        break;
      }
    }
    if (!Fits)
      continue;
    for (auto &[Path, Replaces] : Trial)
      ByFile[Path] = std::move(Replaces);
    ++Result.Applied;
  }
  for (const auto &[Path, Replaces] : ByFile) {
    if (Replaces.empty())
      continue;
    auto Buffer = llvm::MemoryBuffer::getFile(Path);
    if (!Buffer)
      return llvm::createStringError(Buffer.getError(), "cannot read '%s': %s",
                                     Path.c_str(),
                                     Buffer.getError().message().c_str());
    llvm::Expected<std::string> Fixed = clang::tooling::applyAllReplacements(
        (*Buffer)->getBuffer(), Replaces);
    if (!Fixed)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(), "cannot apply the fixes to '%s': %s",
          Path.c_str(), llvm::toString(Fixed.takeError()).c_str());
    std::error_code EC;
    llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_None);
    if (!EC) {
      OS << *Fixed;
      OS.close();
      EC = OS.error();
    }
    if (EC)
      return llvm::createStringError(EC, "cannot write '%s': %s", Path.c_str(),
                                     EC.message().c_str());
    ++Result.Files;
  }
  return Result;
}

} // namespace vram_only
