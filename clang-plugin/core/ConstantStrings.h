//===- ConstantStrings.h - The strings an expression can hold -------------===//
//
// A lookup's name argument is often not a string literal but data the
// compiler can see all the same: a constant variable, a local variable that
// its function never changes after its initialisation, a field of a
// constant table that a loop walks (the dynlink loaders' `for (auto &e :
// table) *e.fn = dlsym(h, e.name);`), an element of a constant array indexed
// by a loop variable, or a std::string / std::string_view made from a
// literal (`std::string("...").c_str()`) or joined from such strings with
// `+`. constantStrings() follows the expression through initialisers of
// const and constexpr variables and of unchanged locals (clang's
// ExprMutationAnalyzer decides "unchanged": no assignment, no non-const
// reference or pointer taken), aggregate initialisers, range-for loops over
// them and the literals a std::basic_string or std::basic_string_view is
// constructed or concatenated from, and returns every string the
// expression can hold there.
//
// Anything else (a parameter, a global that is not const, a local that is
// assigned or appended to, a function's result, data read at run time)
// contributes nothing: the result lists only strings the program really
// holds, never a guess.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_CONSTANT_STRINGS_H
#define VRAM_ONLY_ANALYSIS_CONSTANT_STRINGS_H

#include "llvm/ADT/SmallVector.h"

#include <string>

namespace clang {
class ASTContext;
class Expr;
} // namespace clang

namespace vram_only::analysis {

/// One string an expression can hold.
struct ConstantString {
  std::string Text;
  /// Where the source writes it: its string literal, or the `+` that joins
  /// it from several.
  const clang::Expr *Written = nullptr;
};

struct ConstantStrings {
  /// Every string (of ordinary characters) the expression can hold, in the
  /// order the source writes them, each once.
  llvm::SmallVector<ConstantString, 4> Strings;
  /// The expression picks one of several values at run time: a field or an
  /// element of a table that a loop walks or that a variable indexes.
  bool Selected = false;
};

ConstantStrings constantStrings(const clang::Expr &E, clang::ASTContext &Ctx);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_CONSTANT_STRINGS_H
