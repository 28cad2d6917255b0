//===- Fixes.cpp - --fix and --export-fixes, as clang-tidy has them -------===//

#include "Fixes.h"

#include "FileRewrite.h"

#include "clang/Tooling/Core/Diagnostic.h"
#include "clang/Tooling/Core/Replacement.h"
#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/YAMLTraits.h"

#include <map>
#include <set>

namespace vram_only {

void writeFixesYaml(const AnalysisReport &Report, Severity Level,
                    llvm::StringRef MainSourceFile,
                    llvm::StringRef BuildDirectory, llvm::raw_ostream &OS) {
  clang::tooling::TranslationUnitDiagnostics Document;
  Document.MainSourceFile = MainSourceFile.str();
  for (const ReportedFinding &F : Report.Findings) {
    if (F.Message.Fix.empty())
      continue;
    clang::tooling::Diagnostic &D = Document.Diagnostics.emplace_back(F);
    D.Message.FilePath = F.absoluteFile();
    D.DiagLevel = Level == Severity::Error ? clang::tooling::Diagnostic::Error
                                           : clang::tooling::Diagnostic::Warning;
    D.BuildDirectory = BuildDirectory.str();
  }
  llvm::yaml::Output YAML(OS);
  YAML << Document;
}

std::string contentHash(llvm::StringRef Text) {
  return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(Text)),
                     /*LowerCase=*/true);
}

AppliedFixes applyFixes(const AnalysisReport &Report) {
  AppliedFixes Result;
  std::map<std::string, clang::tooling::Replacements> ByFile;
  // The text each file had when it was parsed; a file whose sides saw two
  // texts changed during the run and is not fixed.
  std::map<std::string, std::set<std::string>> ParsedHashes;
  // Findings counted as applied once their (first) file is written.
  std::map<std::string, unsigned> FindingsIn;
  for (const ReportedFinding &F : Report.Findings) {
    if (F.Message.Fix.empty())
      continue;
    ++Result.Suggested;
    // All of the finding's replacements, or none.
    std::map<std::string, clang::tooling::Replacements> Trial;
    bool Fits = true;
    for (const auto &[Path, Replaces] : F.Message.Fix) {
      Trial[Path.str()] = ByFile[Path.str()];
      for (const clang::tooling::Replacement &R : Replaces)
        if (llvm::Error E = Trial[Path.str()].add(R)) {
          llvm::consumeError(std::move(E));
          Fits = false;
        }
    }
    if (!Fits)
      continue;
    for (auto &[Path, Replaces] : Trial) {
      ByFile[Path] = std::move(Replaces);
      auto Hash = F.FixedTextHashes.find(Path);
      ParsedHashes[Path].insert(Hash == F.FixedTextHashes.end() ? ""
                                                                : Hash->second);
    }
    ++FindingsIn[Trial.begin()->first];
  }
  for (const auto &[Path, Replaces] : ByFile) {
    if (Replaces.empty())
      continue;
    const std::set<std::string> &Hashes = ParsedHashes[Path];
    llvm::Error Failed =
        Hashes.size() != 1
            ? llvm::createStringError(
                  llvm::inconvertibleErrorCode(),
                  "'%s' changed while it was analysed: its fixes were not "
                  "applied and the file is left as it is",
                  Path.c_str())
            : rewriteFile(Path, *Hashes.begin(), [&](llvm::StringRef Text) {
                return clang::tooling::applyAllReplacements(Text, Replaces);
              });
    if (Failed) {
      Result.Errors.push_back(llvm::toString(std::move(Failed)));
      continue;
    }
    ++Result.Files;
    Result.Applied += FindingsIn[Path];
  }
  return Result;
}

} // namespace vram_only
