//===- CheckSelection.cpp - Which checks run, from a clang-tidy glob list -===//
#include "core/CheckSelection.h"

#include "clang-tidy/GlobList.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace vram_only::analysis {

llvm::Expected<RuleSet> selectChecks(llvm::StringRef Globs) {
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
    Glob.consume_front("-");
    for (char C : Glob)
      if (!(llvm::isAlnum(C) || C == '-' || C == '_' || C == '.' || C == '*'))
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "'%s' is not a check glob (letters, digits, '-', '_', '.' and '*')",
            Part.trim().str().c_str());
  }
  clang::tidy::GlobList List(Globs);
  RuleSet Selected;
  for (Rule R : AllRules)
    if (List.contains(checkName(R)))
      Selected.insert(R);
  return Selected;
}

std::vector<std::string> allCheckNames() {
  std::vector<std::string> Names;
  for (Rule R : AllRules)
    Names.push_back(checkName(R).str());
  return Names;
}

} // namespace vram_only::analysis
