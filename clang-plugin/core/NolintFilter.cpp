//===- NolintFilter.cpp - clang-tidy's NOLINT comments, for the other front ends
#include "core/NolintFilter.h"

#include "core/CheckSelection.h"

#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <map>

namespace vram_only::analysis {
namespace {

enum class Kind { SameLine, NextLine, Begin, End };

struct Directive {
  Kind TheKind;
  unsigned Line;
  std::string ListText; ///< what stood between the parentheses
  std::vector<std::string> Globs;
};

std::vector<std::string> splitGlobs(llvm::StringRef List) {
  std::vector<std::string> Globs;
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  List.split(Parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef Part : Parts)
    if (!Part.trim().empty())
      Globs.push_back(Part.trim().str());
  return Globs;
}

std::vector<Directive> scan(const clang::SourceManager &SM, clang::FileID File) {
  std::vector<Directive> Found;
  bool Invalid = false;
  llvm::StringRef Text = SM.getBufferData(File, &Invalid);
  if (Invalid)
    return Found;
  for (size_t Pos = Text.find("NOLINT"); Pos != llvm::StringRef::npos;
       Pos = Text.find("NOLINT", Pos + 6)) {
    llvm::StringRef Rest = Text.drop_front(Pos + 6);
    Kind TheKind = Kind::SameLine;
    if (Rest.consume_front("NEXTLINE"))
      TheKind = Kind::NextLine;
    else if (Rest.consume_front("BEGIN"))
      TheKind = Kind::Begin;
    else if (Rest.consume_front("END"))
      TheKind = Kind::End;
    Directive D{TheKind, SM.getLineNumber(File, Pos), "", {}};
    if (Rest.consume_front("(")) {
      size_t Close = Rest.find(')');
      size_t EndOfLine = Rest.find('\n');
      if (Close == llvm::StringRef::npos || Close > EndOfLine)
        continue; // malformed: clang-tidy ignores it too
      D.ListText = Rest.take_front(Close).str();
      D.Globs = splitGlobs(D.ListText);
      if (D.Globs.empty())
        continue; // NOLINT() silences nothing
    } else if (!Rest.empty() && (llvm::isAlnum(Rest.front()) ||
                                 Rest.front() == '_')) {
      continue; // part of a longer identifier
    }
    Found.push_back(std::move(D));
  }
  return Found;
}

} // namespace

const std::vector<NolintFilter::SilencedLines> &
NolintFilter::directivesOf(clang::FileID File) {
  auto [It, Inserted] = ByFile.try_emplace(File);
  if (!Inserted)
    return It->second;
  std::vector<SilencedLines> &Lines = It->second;
  std::map<std::string, std::vector<unsigned>> OpenBlocks;
  for (Directive &D : scan(SM, File)) {
    switch (D.TheKind) {
    case Kind::SameLine:
      Lines.push_back({D.Line, D.Line, std::move(D.Globs)});
      break;
    case Kind::NextLine:
      Lines.push_back({D.Line + 1, D.Line + 1, std::move(D.Globs)});
      break;
    case Kind::Begin:
      OpenBlocks[D.ListText].push_back(D.Line);
      break;
    case Kind::End: {
      std::vector<unsigned> &Open = OpenBlocks[D.ListText];
      if (Open.empty())
        break; // an END without its BEGIN silences nothing
      Lines.push_back({Open.back(), D.Line, std::move(D.Globs)});
      Open.pop_back();
      break;
    }
    }
  }
  return Lines;
}

bool NolintFilter::silences(clang::SourceLocation FileLoc,
                            llvm::StringRef CheckName) {
  if (FileLoc.isInvalid())
    return false;
  clang::FileID File = SM.getFileID(FileLoc);
  unsigned Line = SM.getLineNumber(File, SM.getFileOffset(FileLoc));
  return llvm::any_of(directivesOf(File), [&](const SilencedLines &S) {
    return S.First <= Line && Line <= S.Last &&
           (S.Globs.empty() ||
            llvm::any_of(S.Globs, [&](const std::string &Glob) {
              return matchesGlob(Glob, CheckName);
            }));
  });
}

} // namespace vram_only::analysis
