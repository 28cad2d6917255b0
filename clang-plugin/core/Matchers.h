//===- Matchers.h - The AST matchers of the enabled rules -----------------===//
#ifndef VRAM_ONLY_ANALYSIS_MATCHERS_H
#define VRAM_ONLY_ANALYSIS_MATCHERS_H

#include "clang/AST/TypeLoc.h"
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
inline constexpr llvm::StringLiteral EnumValue =
    "vram.enum-value"; // CastExpr: an integer converted to an enumeration
inline constexpr llvm::StringLiteral PointerDeclaration =
    "vram.pointer-declaration"; // VarDecl, ParmVarDecl, FieldDecl
} // namespace bound

/// The declaration a spelled type names, and where its name is spelled: the
/// alias template of a template specialization, the alias of a typedef type,
/// the target of a using-declaration. Decl is null for other types.
struct SpelledType {
  const clang::NamedDecl *Decl = nullptr;
  clang::SourceLocation NameLoc;
};
SpelledType spelledType(const clang::TypeLoc &TL);

/// Adds the matchers \p Index needs to \p Finder; their matches go to
/// \p Callback. \p Index must outlive \p Finder's use of them.
void registerPolicyMatchers(
    clang::ast_matchers::MatchFinder &Finder, const PolicyIndex &Index,
    clang::ast_matchers::MatchFinder::MatchCallback *Callback);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_MATCHERS_H
