//===- FlagEvaluationTest.cpp - Constant values of flag arguments ---------===//
#include "core/FlagEvaluation.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/ASTMatchers/ASTMatchers.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"

#include <gtest/gtest.h>

namespace vram_only::analysis {
namespace {

using namespace clang::ast_matchers;

/// The first arguments of every call of take() in \p Code, in source order.
class FlagArguments {
public:
  // Diagnostics are dropped: some snippets do not compile on purpose.
  explicit FlagArguments(llvm::StringRef Code)
      : Unit(clang::tooling::buildASTFromCodeWithArgs(
            Code, {"-std=c++17", "-Wno-everything"}, "flags.cpp", "flag-test",
            std::make_shared<clang::PCHContainerOperations>(),
            clang::tooling::getClangStripDependencyFileAdjuster(),
            clang::tooling::FileContentMappings(), &IgnoreDiagnostics)) {}

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

  /// The values of the initialisers of variables named flags*.
  std::vector<std::optional<std::uint64_t>> initialiserValues() {
    std::vector<std::optional<std::uint64_t>> Values;
    for (const BoundNodes &Var :
         match(varDecl(matchesName("::flags"),
                       hasInitializer(expr().bind("init"))),
               Unit->getASTContext()))
      Values.push_back(evaluateFlags(*Var.getNodeAs<clang::Expr>("init"),
                                     Unit->getASTContext()));
    return Values;
  }

private:
  std::vector<const clang::Expr *> arguments() {
    std::vector<const clang::Expr *> Args;
    auto Calls = match(callExpr(callee(functionDecl(hasName("take"))),
                                hasArgument(0, expr().bind("arg")))
                           .bind("call"),
                       Unit->getASTContext());
    std::sort(Calls.begin(), Calls.end(),
              [](const BoundNodes &A, const BoundNodes &B) {
                return A.getNodeAs<clang::CallExpr>("call")->getBeginLoc() <
                       B.getNodeAs<clang::CallExpr>("call")->getBeginLoc();
              });
    for (const BoundNodes &Call : Calls)
      Args.push_back(Call.getNodeAs<clang::Expr>("arg"));
    return Args;
  }

  clang::IgnoringDiagConsumer IgnoreDiagnostics;
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

TEST(FlagEvaluationTest, ExpressionsWithErrorsAreNotEvaluated) {
  // Does not compile: the analysis must neither crash nor report. (A call
  // with a broken argument is no CallExpr at all; a variable's initialiser
  // keeps the broken expression.)
  FlagArguments Args(Prelude.str() + R"cpp(
void broken() {
  unsigned long long flagsUndeclared = undeclared | MAPPED;
  unsigned long long flagsSyntax = (MAPPED +);
  unsigned long long flagsCall = runtimeFlags(MAPPED) | MAPPED;
}
)cpp");
  std::vector<std::optional<std::uint64_t>> Values = Args.initialiserValues();
  // flagsSyntax keeps no initialiser at all.
  ASSERT_EQ(Values.size(), 2u);
  for (const std::optional<std::uint64_t> &Value : Values)
    EXPECT_EQ(Value, std::nullopt);
}

} // namespace
} // namespace vram_only::analysis
