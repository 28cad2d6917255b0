//===- UserCodeTraversal.cpp - Match only the user's declarations ---------===//
#include "core/UserCodeTraversal.h"

#include "core/ReportLocation.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"

#include <vector>

namespace vram_only::analysis {

std::vector<clang::Decl *> userDeclarations(clang::ASTContext &Context,
                                            llvm::StringRef ProjectRoot) {
  ReportLocator Locator(Context.getSourceManager(), ProjectRoot.str());
  std::vector<clang::Decl *> Scope;
  for (clang::Decl *D : Context.getTranslationUnitDecl()->decls())
    if (Locator.userLocation(D->getLocation()).isValid() ||
        Locator.userLocation(D->getBeginLoc()).isValid())
      Scope.push_back(D);
  return Scope;
}

void matchUserCode(clang::ast_matchers::MatchFinder &Finder,
                   clang::ASTContext &Context, llvm::StringRef ProjectRoot) {
  std::vector<clang::Decl *> Previous = Context.getTraversalScope();
  Context.setTraversalScope(userDeclarations(Context, ProjectRoot));
  Finder.matchAST(Context);
  Context.setTraversalScope(Previous);
}

} // namespace vram_only::analysis
