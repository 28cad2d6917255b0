//===- UserCodeTraversal.h - Match only the user's declarations -----------===//
//
// Most of a CUDA translation unit is system and toolkit headers (the C++
// library, thrust, CUB) in which the analysis reports nothing. Every front
// end therefore runs the core's matchers over the user's top-level
// declarations only, through ASTContext's traversal scope (as clangd limits
// its checks to the main file): templates declared there are traversed with
// their instantiations, lambdas and members with their functions, and
// nothing in system or CUDA toolkit headers is visited.
//
// clang-tidy shares one traversal among all its checks, so the tidy checks
// register a single translation-unit matcher there and run their own
// MatchFinder through this function when it fires (before clang-tidy's
// traversal descends, so that other checks are unaffected: the scope is
// restored before this returns).
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H
#define VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H

#include "clang/ASTMatchers/ASTMatchFinder.h"

namespace vram_only::analysis {

/// Runs \p Finder over the top-level declarations of \p Context's translation
/// unit that lie in the user's code (with \p ProjectRoot: see ReportLocator),
/// then restores the whole translation unit as the traversal scope.
void matchUserCode(clang::ast_matchers::MatchFinder &Finder,
                   clang::ASTContext &Context, llvm::StringRef ProjectRoot);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_USER_CODE_TRAVERSAL_H
