//===- Matchers.h - The AST matchers of the enabled rules -----------------===//
#ifndef VRAM_ONLY_ANALYSIS_MATCHERS_H
#define VRAM_ONLY_ANALYSIS_MATCHERS_H

#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/ADT/StringRef.h"

namespace vram_only::analysis {

class PolicyIndex;

/// The names the matchers bind; the interpreter dispatches on them.
namespace bound {
inline constexpr llvm::StringLiteral Reference =
    "vram.reference"; // DeclRefExpr
inline constexpr llvm::StringLiteral Overload =
    "vram.overload";                                     // UnresolvedLookupExpr
inline constexpr llvm::StringLiteral Type = "vram.type"; // TypeLoc
inline constexpr llvm::StringLiteral FlagCall = "vram.flag-call"; // CallExpr
inline constexpr llvm::StringLiteral LookupCall =
    "vram.lookup-call";                                      // CallExpr
inline constexpr llvm::StringLiteral Callee = "vram.callee"; // FunctionDecl
} // namespace bound

/// Adds the matchers \p Index needs to \p Finder; their matches go to
/// \p Callback. \p Index must outlive \p Finder's use of them.
void registerPolicyMatchers(
    clang::ast_matchers::MatchFinder &Finder, const PolicyIndex &Index,
    clang::ast_matchers::MatchFinder::MatchCallback *Callback);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_MATCHERS_H
