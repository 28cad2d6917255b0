//===- CheckSelection.cpp - Which checks run, from a clang-tidy glob list -===//
#include "core/CheckSelection.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace vram_only::analysis {

bool matchesGlob(llvm::StringRef Glob, llvm::StringRef Name) {
  // Iterative '*' matching with backtracking to the last star.
  size_t G = 0, N = 0, StarG = llvm::StringRef::npos, StarN = 0;
  while (N < Name.size()) {
    if (G < Glob.size() && Glob[G] == '*') {
      StarG = G++;
      StarN = N;
    } else if (G < Glob.size() && Glob[G] == Name[N]) {
      ++G;
      ++N;
    } else if (StarG != llvm::StringRef::npos) {
      G = StarG + 1;
      N = ++StarN;
    } else {
      return false;
    }
  }
  while (G < Glob.size() && Glob[G] == '*')
    ++G;
  return G == Glob.size();
}

llvm::Expected<RuleSet> selectChecks(llvm::StringRef Globs) {
  struct Item {
    bool Positive;
    llvm::StringRef Glob;
  };
  llvm::SmallVector<Item, 8> Items;
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  Globs.split(Parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/true);
  for (llvm::StringRef Part : Parts) {
    llvm::StringRef Glob = Part.trim();
    if (Glob.empty()) {
      if (Parts.size() == 1)
        break; // "" selects nothing
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "empty glob in '%s'", Globs.str().c_str());
    }
    bool Positive = !Glob.consume_front("-");
    for (char C : Glob)
      if (!(llvm::isAlnum(C) || C == '-' || C == '_' || C == '.' || C == '*'))
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "'%s' is not a check glob (letters, digits, '-', '_', '.' and '*')",
            Part.trim().str().c_str());
    Items.push_back({Positive, Glob});
  }
  RuleSet Selected;
  for (Rule R : AllRules) {
    bool Enabled = false;
    for (const Item &I : Items)
      if (matchesGlob(I.Glob, checkName(R)))
        Enabled = I.Positive;
    if (Enabled)
      Selected.insert(R);
  }
  return Selected;
}

std::vector<std::string> allCheckNames() {
  std::vector<std::string> Names;
  for (Rule R : AllRules)
    Names.push_back(checkName(R).str());
  return Names;
}

} // namespace vram_only::analysis
