//===- UserCodeTraversal.cpp - Match only the user's declarations ---------===//
#include "core/UserCodeTraversal.h"

#include "core/ReportLocation.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"

namespace vram_only::analysis {

void UserCodeTraversal::addTopLevelDecls(clang::DeclGroupRef Group) {
  TopLevel.insert(TopLevel.end(), Group.begin(), Group.end());
}

void UserCodeTraversal::matchUserCode(clang::ast_matchers::MatchFinder &Finder,
                                      clang::ASTContext &Context) {
  ReportLocator Locator(Context.getSourceManager());
  std::vector<clang::Decl *> Scope;
  for (clang::Decl *D : TopLevel)
    if (Locator.userLocation(D->getLocation()).isValid() ||
        Locator.userLocation(D->getBeginLoc()).isValid())
      Scope.push_back(D);
  TopLevel.clear();
  Context.setTraversalScope(Scope);
  Finder.matchAST(Context);
  Context.setTraversalScope({Context.getTranslationUnitDecl()});
}

} // namespace vram_only::analysis
