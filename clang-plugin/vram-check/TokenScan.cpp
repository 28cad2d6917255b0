//===- TokenScan.cpp - The policy's names in a source that did not parse --===//

#include "TokenScan.h"

#include "core/Messages.h"
#include "core/NolintFilter.h"
#include "core/Policy.h"

#include "clang/Basic/LangOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

namespace vram_only {
namespace {

using namespace analysis;

/// Every name of the policy the scan looks for, with its entry.
const llvm::StringMap<const PolicyEntry *> &scannedNames() {
  static const llvm::StringMap<const PolicyEntry *> Names = [] {
    llvm::StringMap<const PolicyEntry *> Map;
    for (const PolicyEntry &E : policyEntries()) {
      llvm::StringRef Name = E.Name;
      if (E.Kind == EntryKind::Type)
        Name = Name.rsplit("::").second.empty() ? Name
                                                : Name.rsplit("::").second;
      for (llvm::StringRef Symbol : symbolsOf(Name))
        Map.try_emplace(Symbol, &E);
    }
    return Map;
  }();
  return Names;
}

} // namespace

std::vector<ReportedFinding> scanTokens(llvm::StringRef File,
                                        llvm::StringRef Text,
                                        analysis::RuleSet Rules,
                                        llvm::StringRef Why) {
  clang::LangOptions Lang;
  Lang.CPlusPlus = Lang.CPlusPlus11 = Lang.CPlusPlus14 = Lang.CPlusPlus17 = 1;
  Lang.CUDA = 1;
  Lang.LineComment = 1;
  // A raw lexer over the text: no preprocessor, no includes.
  clang::Lexer Lex(clang::SourceLocation(), Lang, Text.begin(), Text.begin(),
                   Text.end());
  const llvm::StringMap<const PolicyEntry *> &Names = scannedNames();
  // NOLINT comments silence the scan's findings as they silence the
  // analysis's: clang-tidy's own handling, over a SourceManager of the text.
  clang::SourceManagerForFile Sources(File, Text);
  clang::SourceManager &SM = Sources.get();
  clang::SourceLocation FileStart = SM.getLocForStartOfFile(SM.getMainFileID());
  NolintFilter Nolint(SM);
  std::vector<ReportedFinding> Found;
  clang::Token Tok;
  while (true) {
    Lex.LexFromRawLexer(Tok);
    if (Tok.is(clang::tok::eof))
      break;
    if (Tok.isNot(clang::tok::raw_identifier))
      continue;
    llvm::StringRef Word = Tok.getRawIdentifier();
    auto It = Names.find(Word);
    if (It == Names.end() || !Rules.contains(It->second->TheRule))
      continue;
    const PolicyEntry &E = *It->second;
    size_t Offset = static_cast<size_t>(Word.data() - Text.data());
    llvm::StringRef Check = checkName(E.TheRule);
    if (Nolint.silences(FileStart.getLocWithOffset(static_cast<int>(Offset)),
                        Check))
      continue;
    llvm::StringRef Before = Text.take_front(Offset);
    size_t LineStart = Before.rfind('\n');
    LineStart = LineStart == llvm::StringRef::npos ? 0 : LineStart + 1;
    ReportedFinding F;
    F.DiagnosticName = Check.str();
    F.Api = nameForSymbol(Word).str();
    F.Message.Message = entryMessage(F.Api, E);
    F.Message.FilePath = File.str();
    F.Message.FileOffset = static_cast<unsigned>(Offset);
    F.Line = static_cast<unsigned>(Before.count('\n')) + 1;
    F.Column = static_cast<unsigned>(Offset - LineStart) + 1;
    F.SourceLine =
        Text.substr(LineStart).split('\n').first.rtrim("\r").str();
    F.ScanReason = Why.str();
    Found.push_back(std::move(F));
  }
  return Found;
}

std::optional<std::vector<ReportedFinding>>
scanFileTokens(llvm::StringRef Path, analysis::RuleSet Rules,
               llvm::StringRef Why) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buffer =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buffer)
    return std::nullopt;
  return scanTokens(Path, (*Buffer)->getBuffer(), Rules, Why);
}

} // namespace vram_only
