//===- FlagEvaluation.cpp - Constant values of flag arguments -------------===//
#include "core/FlagEvaluation.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Expr.h"

namespace vram_only::analysis {

std::optional<std::uint64_t> evaluateFlags(const clang::Expr &E,
                                           const clang::ASTContext &Ctx) {
  // Evaluating a dependent or broken expression asserts in clang.
  if (E.isValueDependent() || E.isTypeDependent() || E.containsErrors())
    return std::nullopt;
  clang::Expr::EvalResult Result;
  if (!E.EvaluateAsInt(Result, Ctx) || !Result.Val.isInt())
    return std::nullopt;
  // Wider than 64 bits (__int128) truncates: flags words are 32 or 64 bits.
  return Result.Val.getInt().extOrTrunc(64).getZExtValue();
}

std::uint64_t forbiddenFlagBits(const clang::Expr &E, std::uint64_t Mask,
                                const clang::ASTContext &Ctx) {
  std::optional<std::uint64_t> Value = evaluateFlags(E, Ctx);
  return Value ? (*Value & Mask) : 0;
}

} // namespace vram_only::analysis
