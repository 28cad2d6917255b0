//===- UserCodeScope.cpp - clang-tidy's traversal kept to the user's code -===//
#include "tidy/UserCodeScope.h"

#include "core/UserCodeTraversal.h"

#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"

namespace vram_only::tidy {

bool onlyVramChecksEnabled(clang::tidy::ClangTidyContext &Context) {
  for (const auto &Entry : clang::tidy::ClangTidyModuleRegistry::entries()) {
    clang::tidy::ClangTidyCheckFactories Factories;
    Entry.instantiate()->addCheckFactories(Factories);
    for (const auto &Factory : Factories)
      if (!Factory.getKey().starts_with("vram-") &&
          Context.isCheckEnabled(Factory.getKey()))
        return false;
  }
  return true;
}

void keepTraversalToUserCode(clang::ASTContext &AST,
                             clang::tidy::ClangTidyContext &Context) {
  std::vector<clang::Decl *> Scope = AST.getTraversalScope();
  bool WholeUnit = Scope.size() == 1 &&
                   llvm::isa<clang::TranslationUnitDecl>(Scope.front());
  if (WholeUnit && onlyVramChecksEnabled(Context))
    AST.setTraversalScope(analysis::userDeclarations(AST, ""));
}

} // namespace vram_only::tidy
