//===- ConstantStrings.h - The strings an expression can hold -------------===//
//
// A lookup's name argument is often not a string literal but data the
// compiler can see all the same: a constant variable, a field of a constant
// table that a loop walks (the dynlink loaders' `for (auto &e : table)
// *e.fn = dlsym(h, e.name);`), an element of a constant array indexed by a
// loop variable, or a std::string / std::string_view made from a literal
// (`std::string("...").c_str()`). constantStrings() follows the expression
// through initialisers of const and constexpr variables, aggregate
// initialisers, range-for loops over them and the literal a
// std::basic_string or std::basic_string_view is constructed from, and
// returns every string literal the expression can hold there.
//
// Anything else (a parameter, a variable that is not const, a function's
// result, data read at run time) contributes nothing: the result lists only
// strings the program really holds, never a guess.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_CONSTANT_STRINGS_H
#define VRAM_ONLY_ANALYSIS_CONSTANT_STRINGS_H

#include "llvm/ADT/SmallVector.h"

namespace clang {
class ASTContext;
class Expr;
class StringLiteral;
} // namespace clang

namespace vram_only::analysis {

struct ConstantStrings {
  /// Every string literal the expression can hold, in the order the source
  /// writes them, each once.
  llvm::SmallVector<const clang::StringLiteral *, 4> Literals;
  /// The expression picks one of several values at run time: a field or an
  /// element of a table that a loop walks or that a variable indexes.
  bool Selected = false;
};

ConstantStrings constantStrings(const clang::Expr &E, clang::ASTContext &Ctx);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_CONSTANT_STRINGS_H
