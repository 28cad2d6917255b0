//===- FlagEvaluationTest.cpp - Constant values of flag arguments ---------===//
#include "core/FlagEvaluation.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/ASTMatchers/ASTMatchers.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"

#include <gtest/gtest.h>

namespace vram_only::analysis {
namespace {

using namespace clang::ast_matchers;

/// The first arguments of every call of take() in \p Code, in source order.
class FlagArguments {
public:
  explicit FlagArguments(llvm::StringRef Code)
      : Unit(clang::tooling::buildASTFromCodeWithArgs(
            Code, {"-std=c++17", "-Wno-everything"}, "flags.cpp")) {}

  std::vector<std::optional<std::uint64_t>> values() {
    std::vector<std::optional<std::uint64_t>> Values;
    for (const clang::Expr *Arg : arguments())
      Values.push_back(evaluateFlags(*Arg, Unit->getASTContext()));
    return Values;
  }

  std::vector<std::uint64_t> forbidden(std::uint64_t Mask) {
    std::vector<std::uint64_t> Bits;
    for (const clang::Expr *Arg : arguments())
      Bits.push_back(forbiddenFlagBits(*Arg, Mask, Unit->getASTContext()));
    return Bits;
  }

private:
  std::vector<const clang::Expr *> arguments() {
    std::vector<const clang::Expr *> Args;
    auto Calls = match(
        callExpr(callee(functionDecl(hasName("take"))),
                 hasArgument(0, expr().bind("arg")))
            .bind("call"),
        Unit->getASTContext());
    std::sort(Calls.begin(), Calls.end(), [](const BoundNodes &A, const BoundNodes &B) {
      return A.getNodeAs<clang::CallExpr>("call")->getBeginLoc() <
             B.getNodeAs<clang::CallExpr>("call")->getBeginLoc();
    });
    for (const BoundNodes &Call : Calls)
      Args.push_back(Call.getNodeAs<clang::Expr>("arg"));
    return Args;
  }

  std::unique_ptr<clang::ASTUnit> Unit;
};

constexpr llvm::StringLiteral Prelude = R"cpp(
#define MAPPED 0x02
#define PORTABLE 0x01
enum Flags { EnumPortable = 1, EnumMapped = 2 };
enum class Scoped : unsigned { Mapped = 2 };
constexpr unsigned kMapped = MAPPED | PORTABLE;
const unsigned kConstMapped = 2;
unsigned runtimeFlags();
void take(unsigned long long);
)cpp";

TEST(FlagEvaluationTest, EverySpellingOfAConstant) {
  FlagArguments Args(Prelude.str() + R"cpp(
void f(unsigned runtime) {
  take(MAPPED);                        // macro
  take(EnumMapped);                    // enumerator
  take(2);                             // literal
  take(kMapped);                       // constexpr variable
  take(kConstMapped);                  // const variable
  take(PORTABLE | MAPPED);             // | expression of macros
  take(EnumPortable | EnumMapped);     // | expression of enumerators
  take(static_cast<unsigned>(Scoped::Mapped));
  take((MAPPED));                      // parentheses
  take(PORTABLE);
  take(0);
  take(runtime);                       // not a constant
  take(runtimeFlags() | MAPPED);       // not a constant
  take(-1);                            // every bit
  take(0x100000002ull);                // wider than 32 bits
}
)cpp");
  EXPECT_EQ(Args.values(),
            (std::vector<std::optional<std::uint64_t>>{
                2, 2, 2, 3, 2, 3, 3, 2, 2, 1, 0, std::nullopt, std::nullopt,
                0xFFFFFFFFFFFFFFFFull, 0x100000002ull}));
  EXPECT_EQ(Args.forbidden(0x02),
            (std::vector<std::uint64_t>{2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0,
                                        2, 2}));
  EXPECT_EQ(Args.forbidden(0x08),
            (std::vector<std::uint64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        8, 0}));
}

TEST(FlagEvaluationTest, DependentArgumentsAreNotEvaluated) {
  FlagArguments Args(Prelude.str() + R"cpp(
template <unsigned F> void pattern() { take(F | MAPPED); take(kMapped + F); }
)cpp");
  EXPECT_EQ(Args.values(), (std::vector<std::optional<std::uint64_t>>{
                               std::nullopt, std::nullopt}));
}

TEST(FlagEvaluationTest, ArgumentsWithErrorsAreNotEvaluated) {
  // Does not compile: the analysis must neither crash nor report.
  FlagArguments Args(Prelude.str() + R"cpp(
void broken() { take(undeclared | MAPPED); take(MAPPED +); }
)cpp");
  for (const std::optional<std::uint64_t> &Value : Args.values())
    EXPECT_EQ(Value, std::nullopt);
}

} // namespace
} // namespace vram_only::analysis
