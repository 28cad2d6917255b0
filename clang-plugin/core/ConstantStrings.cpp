//===- ConstantStrings.cpp - The strings an expression can hold -----------===//
#include "core/ConstantStrings.h"

#include "core/PolicyIndex.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/StmtCXX.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Analysis/Analyses/ExprMutationAnalyzer.h"

#include <optional>
#include <set>
#include <string>
#include <utility>

namespace vram_only::analysis {
namespace {

/// Deeper than any table a loader writes; stops self-referential
/// initialisers.
constexpr unsigned MaxDepth = 32;

/// Whether \p R is std::basic_string or std::basic_string_view (whatever
/// inline namespace the C++ library puts them in).
bool isStdString(const clang::CXXRecordDecl *R) {
  if (!R)
    return false;
  const clang::NamedDecl *Named = R;
  if (const auto *Specialization =
          llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(R))
    Named = Specialization->getSpecializedTemplate()->getTemplatedDecl();
  std::string Name = qualifiedNameOf(*Named);
  return Name == "std::basic_string" || Name == "std::basic_string_view";
}

bool isStdString(clang::QualType T) {
  return !T.isNull() && isStdString(T->getAsCXXRecordDecl());
}

/// \p E without what changes neither its value nor its object: parentheses,
/// qualification and array-to-pointer conversions, temporaries, full
/// expressions.
const clang::Expr *strip(const clang::Expr *E) {
  while (E) {
    E = E->IgnoreParens();
    if (const auto *Cast = llvm::dyn_cast<clang::CastExpr>(E)) {
      switch (Cast->getCastKind()) {
      case clang::CK_NoOp:
      case clang::CK_ArrayToPointerDecay:
      case clang::CK_LValueToRValue:
      case clang::CK_ConstructorConversion:
        E = Cast->getSubExpr();
        continue;
      default:
        return E;
      }
    }
    if (const auto *Full = llvm::dyn_cast<clang::FullExpr>(E)) {
      E = Full->getSubExpr();
      continue;
    }
    if (const auto *Temporary =
            llvm::dyn_cast<clang::MaterializeTemporaryExpr>(E)) {
      E = Temporary->getSubExpr();
      continue;
    }
    if (const auto *Bind = llvm::dyn_cast<clang::CXXBindTemporaryExpr>(E)) {
      E = Bind->getSubExpr();
      continue;
    }
    if (const auto *Default = llvm::dyn_cast<clang::CXXDefaultInitExpr>(E)) {
      E = Default->getExpr();
      continue;
    }
    return E;
  }
  return E;
}

/// A value an expression can have: a string (Text, written at E: a literal
/// or a `+` of std::strings), or a table (E is its aggregate initialiser, an
/// InitListExpr of array or class type).
struct Value {
  const clang::Expr *E;
  std::optional<std::string> Text;
};
using Values = llvm::SmallVectorImpl<Value>;

/// Joining strings multiplies the choices: `a + b` over tables of names is
/// every pair. Beyond this many, the join contributes nothing.
constexpr unsigned MaxJoined = 64;

/// Collects the values an expression can have.
class Resolver {
public:
  explicit Resolver(clang::ASTContext &Ctx) : Ctx(Ctx) {}

  void values(const clang::Expr *E, Values &Out, unsigned Depth);

  bool Selected = false;

private:
  void variable(const clang::VarDecl &V, Values &Out, unsigned Depth);
  void member(const clang::MemberExpr &M, Values &Out, unsigned Depth);
  void subscript(const clang::Expr *Base, const clang::Expr *Index, Values &Out,
                 unsigned Depth);
  void stringOf(const clang::Expr *E, Values &Out, unsigned Depth);
  void join(const clang::CXXOperatorCallExpr &Plus, Values &Out,
            unsigned Depth);
  bool neverChanged(const clang::VarDecl &V);
  bool onlyReadThroughConstPointers(const clang::VarDecl &V,
                                    const clang::Stmt &Body);
  /// The elements of an array initialiser (or of std::array's).
  void elements(const clang::Expr *Aggregate, Values &Out, unsigned Depth);
  const clang::InitListExpr *arrayOf(const clang::Expr *Aggregate);
  const clang::CXXForRangeStmt *rangeLoopOf(const clang::VarDecl &V);

  clang::ASTContext &Ctx;
};

void Resolver::values(const clang::Expr *E, Values &Out, unsigned Depth) {
  if (!E || Depth > MaxDepth)
    return;
  E = strip(E);
  if (!E)
    return;
  if (const auto *Literal = llvm::dyn_cast<clang::StringLiteral>(E)) {
    if (Literal->getCharByteWidth() == 1) // no name is wide
      Out.push_back({Literal, Literal->getString().str()});
    return;
  }
  if (const auto *List = llvm::dyn_cast<clang::InitListExpr>(E)) {
    if (!List->isSemanticForm() && List->getSemanticForm())
      List = List->getSemanticForm();
    if (List->isStringLiteralInit()) { // char name[] = {"..."}
      values(List->getInit(0), Out, Depth + 1);
      return;
    }
    clang::QualType T = List->getType();
    if (T->isArrayType() || T->isRecordType())
      Out.push_back({List, std::nullopt});
    else if (List->getNumInits() == 1) // const char *name{"..."}
      values(List->getInit(0), Out, Depth + 1);
    return;
  }
  if (const auto *List = llvm::dyn_cast<clang::CXXStdInitializerListExpr>(E)) {
    values(List->getSubExpr(), Out, Depth + 1);
    return;
  }
  if (const auto *Ref = llvm::dyn_cast<clang::DeclRefExpr>(E)) {
    if (const auto *Binding = llvm::dyn_cast<clang::BindingDecl>(Ref->getDecl()))
      values(Binding->getBinding(), Out, Depth + 1); // auto [name, fn] : table
    else if (const auto *V = llvm::dyn_cast<clang::VarDecl>(Ref->getDecl()))
      variable(*V, Out, Depth + 1);
    return;
  }
  if (const auto *M = llvm::dyn_cast<clang::MemberExpr>(E)) {
    member(*M, Out, Depth + 1);
    return;
  }
  if (const auto *Subscript = llvm::dyn_cast<clang::ArraySubscriptExpr>(E)) {
    subscript(Subscript->getBase(), Subscript->getIdx(), Out, Depth + 1);
    return;
  }
  if (const auto *Operator = llvm::dyn_cast<clang::CXXOperatorCallExpr>(E)) {
    // std::array's operator[].
    if (Operator->getOperator() == clang::OO_Subscript &&
        Operator->getNumArgs() == 2)
      subscript(Operator->getArg(0), Operator->getArg(1), Out, Depth + 1);
    // std::string("cuMem") + "AllocHost"
    if (Operator->getOperator() == clang::OO_Plus &&
        Operator->getNumArgs() == 2 && isStdString(Operator->getType()))
      join(*Operator, Out, Depth + 1);
    return;
  }
  if (const auto *Call = llvm::dyn_cast<clang::CXXMemberCallExpr>(E)) {
    // s.c_str(), s.data() of a std::string or std::string_view.
    const clang::CXXMethodDecl *Method = Call->getMethodDecl();
    if (Method && Method->getIdentifier() &&
        (Method->getName() == "c_str" || Method->getName() == "data") &&
        isStdString(Method->getParent()))
      stringOf(Call->getImplicitObjectArgument(), Out, Depth + 1);
    return;
  }
  if (const auto *Construct = llvm::dyn_cast<clang::CXXConstructExpr>(E)) {
    // std::string("..."), std::string_view(name), copies of them; not the
    // constructors that take a count or a position.
    if (!isStdString(Construct->getType()) || Construct->getNumArgs() == 0)
      return;
    for (unsigned I = 1; I < Construct->getNumArgs(); ++I)
      if (!llvm::isa<clang::CXXDefaultArgExpr>(Construct->getArg(I)))
        return;
    stringOf(Construct->getArg(0), Out, Depth + 1);
    return;
  }
  if (const auto *Literal = llvm::dyn_cast<clang::UserDefinedLiteral>(E)) {
    // "..."s, "..."sv
    if (isStdString(Literal->getType()))
      stringOf(Literal->getCookedLiteral(), Out, Depth + 1);
    return;
  }
  if (const auto *Conditional =
          llvm::dyn_cast<clang::AbstractConditionalOperator>(E)) {
    values(Conditional->getTrueExpr(), Out, Depth + 1);
    values(Conditional->getFalseExpr(), Out, Depth + 1);
    return;
  }
}

void Resolver::variable(const clang::VarDecl &V, Values &Out, unsigned Depth) {
  // A parameter's "initialiser" is its default argument, which a caller
  // may replace: not a value the lookup is known to get.
  if (llvm::isa<clang::ParmVarDecl>(V))
    return;
  if (V.isCXXForRangeDecl()) {
    // for (auto &e : table): each element in turn.
    const clang::CXXForRangeStmt *Loop = rangeLoopOf(V);
    if (!Loop)
      return;
    llvm::SmallVector<Value, 4> Ranges;
    values(Loop->getRangeInit(), Ranges, Depth + 1);
    for (const Value &Range : Ranges)
      if (!Range.Text)
        elements(Range.E, Out, Depth + 1);
    Selected = true;
    return;
  }
  // Only what cannot change after its initialisation.
  if (!V.getType().isConstant(Ctx) && !V.isConstexpr() && !neverChanged(V))
    return;
  const clang::VarDecl *Definition = nullptr;
  values(V.getAnyInitializer(Definition), Out, Depth + 1);
}

void Resolver::member(const clang::MemberExpr &M, Values &Out, unsigned Depth) {
  const auto *Field = llvm::dyn_cast<clang::FieldDecl>(M.getMemberDecl());
  if (!Field)
    return;
  llvm::SmallVector<Value, 4> Bases;
  values(M.getBase(), Bases, Depth + 1);
  for (const Value &Base : Bases) {
    const auto *List =
        Base.Text ? nullptr : llvm::dyn_cast<clang::InitListExpr>(Base.E);
    if (List && M.isArrow() && List->getType()->isArrayType())
      List = List->getNumInits() > 0 // table->name: the first element's
                 ? llvm::dyn_cast<clang::InitListExpr>(strip(List->getInit(0)))
                 : nullptr;
    if (!List)
      continue;
    const clang::RecordDecl *Record = List->getType()->getAsRecordDecl();
    if (!Record || Record->getCanonicalDecl() !=
                       Field->getParent()->getCanonicalDecl())
      continue;
    unsigned Index = 0;
    if (Record->isUnion()) {
      if (List->getInitializedFieldInUnion() != Field)
        continue;
    } else {
      Index = Field->getFieldIndex();
      if (const auto *Class = llvm::dyn_cast<clang::CXXRecordDecl>(Record))
        Index += Class->getNumBases(); // bases come first
    }
    if (Index < List->getNumInits())
      values(List->getInit(Index), Out, Depth + 1);
  }
}

void Resolver::subscript(const clang::Expr *Base, const clang::Expr *Index,
                         Values &Out, unsigned Depth) {
  llvm::SmallVector<Value, 4> Bases;
  values(Base, Bases, Depth + 1);
  std::optional<std::uint64_t> Constant;
  if (!Index->isValueDependent() && !Index->isTypeDependent()) {
    clang::Expr::EvalResult Result;
    if (Index->EvaluateAsInt(Result, Ctx) && !Result.Val.getInt().isNegative())
      Constant = Result.Val.getInt().getLimitedValue();
  }
  for (const Value &Base : Bases) {
    const clang::InitListExpr *Array = Base.Text ? nullptr : arrayOf(Base.E);
    if (!Array)
      continue;
    if (Constant) {
      if (*Constant < Array->getNumInits())
        values(Array->getInit(*Constant), Out, Depth + 1);
      continue;
    }
    Selected = true; // names[i]: any of them
    elements(Array, Out, Depth + 1);
  }
}

void Resolver::stringOf(const clang::Expr *E, Values &Out, unsigned Depth) {
  llvm::SmallVector<Value, 4> Inner;
  values(E, Inner, Depth);
  for (const Value &V : Inner)
    if (V.Text)
      Out.push_back(V);
}

void Resolver::join(const clang::CXXOperatorCallExpr &Plus, Values &Out,
                    unsigned Depth) {
  llvm::SmallVector<Value, 4> Left, Right;
  stringOf(Plus.getArg(0), Left, Depth + 1);
  stringOf(Plus.getArg(1), Right, Depth + 1);
  if (Left.size() * Right.size() > MaxJoined)
    return;
  for (const Value &L : Left)
    for (const Value &R : Right)
      Out.push_back({&Plus, *L.Text + *R.Text});
}

bool Resolver::neverChanged(const clang::VarDecl &V) {
  // A global may change anywhere, even in another translation unit; a
  // local only in its function.
  if (!V.isLocalVarDecl())
    return false;
  const auto *Function = llvm::dyn_cast_or_null<clang::FunctionDecl>(
      V.getParentFunctionOrMethod());
  const clang::Stmt *Body = Function ? Function->getBody() : nullptr;
  if (!Body)
    return false;
  if (V.getType()->isArrayType())
    return onlyReadThroughConstPointers(V, *Body);
  return !clang::ExprMutationAnalyzer(*Body, Ctx).isMutated(&V);
}

bool Resolver::onlyReadThroughConstPointers(const clang::VarDecl &V,
                                            const clang::Stmt &Body) {
  // ExprMutationAnalyzer takes every decay of a non-const array for a
  // change; `char name[] = "..."; dlsym(h, name);` converts it to a
  // `const char *` at once, which cannot change it.
  namespace m = clang::ast_matchers;
  auto Uses = m::match(
      m::findAll(
          m::declRefExpr(m::to(m::varDecl(m::equalsNode(&V)))).bind("use")),
      Body, Ctx);
  auto ParentCast =
      [&](const clang::Expr &E) -> const clang::ImplicitCastExpr * {
    for (const clang::DynTypedNode &Parent : Ctx.getParents(E))
      if (const auto *Cast = Parent.get<clang::ImplicitCastExpr>())
        return Cast;
    return nullptr;
  };
  for (const m::BoundNodes &Use : Uses) {
    const auto *Decay = ParentCast(*Use.getNodeAs<clang::DeclRefExpr>("use"));
    if (!Decay || Decay->getCastKind() != clang::CK_ArrayToPointerDecay)
      return false;
    const clang::ImplicitCastExpr *ToConst = ParentCast(*Decay);
    if (!ToConst || ToConst->getCastKind() != clang::CK_NoOp ||
        !ToConst->getType()->isPointerType() ||
        !ToConst->getType()->getPointeeType().isConstQualified())
      return false;
  }
  return true;
}

const clang::InitListExpr *Resolver::arrayOf(const clang::Expr *Aggregate) {
  const auto *List = llvm::dyn_cast_or_null<clang::InitListExpr>(Aggregate);
  if (!List)
    return nullptr;
  if (List->getType()->isArrayType())
    return List;
  // std::array<T, N>: a class whose one member is the array.
  if (List->getType()->isRecordType() && List->getNumInits() == 1) {
    const auto *Inner =
        llvm::dyn_cast<clang::InitListExpr>(strip(List->getInit(0)));
    if (Inner && !Inner->isSemanticForm() && Inner->getSemanticForm())
      Inner = Inner->getSemanticForm();
    if (Inner && Inner->getType()->isArrayType())
      return Inner;
  }
  return nullptr;
}

void Resolver::elements(const clang::Expr *Aggregate, Values &Out,
                        unsigned Depth) {
  // Elements without an initialiser are zero: no string.
  if (const clang::InitListExpr *Array = arrayOf(Aggregate))
    for (const clang::Expr *Init : Array->inits())
      values(Init, Out, Depth + 1);
}

const clang::CXXForRangeStmt *Resolver::rangeLoopOf(const clang::VarDecl &V) {
  for (const clang::DynTypedNode &Parent : Ctx.getParents(V))
    if (const auto *Statement = Parent.get<clang::DeclStmt>())
      for (const clang::DynTypedNode &Outer : Ctx.getParents(*Statement))
        if (const auto *Loop = Outer.get<clang::CXXForRangeStmt>())
          if (Loop->getLoopVariable() == &V)
            return Loop;
  return nullptr;
}

} // namespace

ConstantStrings constantStrings(const clang::Expr &E, clang::ASTContext &Ctx) {
  Resolver R(Ctx);
  llvm::SmallVector<Value, 8> Found;
  R.values(&E, Found, 0);
  ConstantStrings Result;
  Result.Selected = R.Selected;
  std::set<std::pair<std::string, const clang::Expr *>> Seen;
  for (const Value &V : Found)
    if (V.Text && Seen.insert({*V.Text, V.E}).second)
      Result.Strings.push_back({*V.Text, V.E});
  return Result;
}

} // namespace vram_only::analysis
