//===- UserCodeScope.h - clang-tidy's traversal kept to the user's code ---===//
//
// clang-tidy runs every enabled check's matchers in one traversal of the
// whole translation unit, system and CUDA toolkit headers included, where
// the vram-* checks report nothing; and the first parent lookup of the
// analysis (is this name only an operand of sizeof?) builds a parent map of
// everything traversed. On a CUDA unit that is most of the checks' cost.
//
// When the vram-* checks are the only checks enabled for the file, the
// traversal may as well skip what they never report: at the start of the
// traversal (the match on the translation unit itself, which MatchFinder
// makes before it reads the traversal scope) the scope becomes the user's
// top-level declarations, as the compiler plugin and vram-check analyse. With
// any other check enabled nothing changes: another check may need the
// system headers or a declaration's parent, the translation unit.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_TIDY_USER_CODE_SCOPE_H
#define VRAM_ONLY_TIDY_USER_CODE_SCOPE_H

#include "clang/AST/ASTContext.h"
#include "clang-tidy/ClangTidyDiagnosticConsumer.h"

namespace vram_only::tidy {

/// Whether every check enabled in \p Context (of every module clang-tidy has
/// loaded) is a vram-* check.
bool onlyVramChecksEnabled(clang::tidy::ClangTidyContext &Context);

/// Limits \p AST's traversal scope to the user's top-level declarations when
/// it is still the whole translation unit and only vram-* checks are
/// enabled; otherwise leaves it as it is.
void keepTraversalToUserCode(clang::ASTContext &AST,
                             clang::tidy::ClangTidyContext &Context);

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_USER_CODE_SCOPE_H
