//===- UserCodeTraversal.h - Match only the user's declarations -----------===//
//
// Most of a CUDA translation unit is system and toolkit headers (the C++
// library, thrust, CUB) in which the analysis reports nothing. The front
// ends that own their traversal (the compiler plugin, vram-check) therefore
// run the core's matchers over the user's top-level declarations only,
// through ASTContext's traversal scope (as clangd limits its checks to the
// main file): templates declared there are traversed with their
// instantiations, lambdas and members with their functions, and nothing in
// system or CUDA toolkit headers is visited. The clang-tidy checks register
// the matchers with clang-tidy's own MatchFinder, whose one traversal all
// checks share: they limit its scope the same way only when no other check
// is enabled (tidy/UserCodeScope.h); what they find outside the user's code
// is dropped when it is reported (core/ReportLocation.h).
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H
#define VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H

#include "clang/ASTMatchers/ASTMatchFinder.h"

#include <vector>

namespace vram_only::analysis {

/// The top-level declarations of \p Context's translation unit that lie in
/// the user's code (with \p ProjectRoot: see ReportLocator).
std::vector<clang::Decl *> userDeclarations(clang::ASTContext &Context,
                                            llvm::StringRef ProjectRoot);

/// Runs \p Finder over the top-level declarations of \p Context's translation
/// unit that lie in the user's code (with \p ProjectRoot: see ReportLocator),
/// then restores the whole translation unit as the traversal scope.
void matchUserCode(clang::ast_matchers::MatchFinder &Finder,
                   clang::ASTContext &Context, llvm::StringRef ProjectRoot);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H
