//===- FlagEvaluation.h - Constant values of flag arguments ---------------===//
#ifndef VRAM_ONLY_ANALYSIS_FLAG_EVALUATION_H
#define VRAM_ONLY_ANALYSIS_FLAG_EVALUATION_H

#include <cstdint>
#include <optional>

namespace clang {
class ASTContext;
class Expr;
} // namespace clang

namespace vram_only::analysis {

/// The constant value of a flags argument, however it is spelled: a macro, an
/// enumerator, a literal, a constexpr variable, a `|` expression of those.
/// std::nullopt when the value is not a compile-time constant, depends on a
/// template parameter, or the expression has errors.
std::optional<std::uint64_t> evaluateFlags(const clang::Expr &E,
                                           const clang::ASTContext &Ctx);

/// The bits of \p Mask that \p E's constant value has set (0 if none, or if
/// \p E is not constant).
std::uint64_t forbiddenFlagBits(const clang::Expr &E, std::uint64_t Mask,
                                const clang::ASTContext &Ctx);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_FLAG_EVALUATION_H
