//===- UserCodeTraversal.h - Match only the user's declarations -----------===//
//
// Most of a CUDA translation unit is system and toolkit headers (the C++
// library, thrust, CUB) in which the analysis reports nothing. The front ends
// that own their AST traversal (the compiler plugin and vram-check; not
// clang-tidy, whose traversal all enabled checks share) collect the
// top-level declarations and restrict the MatchFinder to those in the user's
// code through ASTContext's traversal scope, as clangd restricts its checks
// to the main file. Templates declared there are traversed with their
// instantiations; nothing outside is matched.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H
#define VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H

#include "clang/AST/DeclGroup.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"

#include <vector>

namespace vram_only::analysis {

class UserCodeTraversal {
public:
  /// Records the declarations of one HandleTopLevelDecl call.
  void addTopLevelDecls(clang::DeclGroupRef Group);

  /// Runs \p Finder over the recorded declarations that lie in the user's
  /// code, then restores the whole translation unit as the traversal scope.
  void matchUserCode(clang::ast_matchers::MatchFinder &Finder,
                     clang::ASTContext &Context);

private:
  std::vector<clang::Decl *> TopLevel;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H
