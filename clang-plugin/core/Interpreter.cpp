//===- Interpreter.cpp - Turning matches into findings --------------------===//
#include "core/Interpreter.h"

#include "core/ConstantStrings.h"
#include "core/FlagEvaluation.h"
#include "core/Matchers.h"
#include "core/Messages.h"
#include "core/PolicyIndex.h"
#include "core/Reporter.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/TypeLoc.h"
#include "clang/Lex/Lexer.h"

namespace vram_only::analysis {
namespace {

using clang::ast_matchers::MatchFinder;

/// Interprets one match; holds what every case needs.
class MatchInterpreter {
public:
  MatchInterpreter(const MatchFinder::MatchResult &Result,
                   const PolicyIndex &Index, Reporter &Report,
                   FindingSink &Sink)
      : Result(Result), Ctx(*Result.Context), SM(*Result.SourceManager),
        Index(Index), Report(Report), Locator(Report.locator(SM)), Sink(Sink) {}

  void run();

private:
  void reference(const clang::DeclRefExpr &Ref);
  /// An integer converted to an enumeration whose value is a forbidden
  /// enumerator's ((cudaMemLocationType)2): a use of that enumerator.
  void enumValue(const clang::CastExpr &Cast);
  void overload(const clang::UnresolvedLookupExpr &Lookup,
                const clang::FunctionDecl &Candidate);
  void type(const clang::TypeLoc &TL);
  void flagCall(const clang::CallExpr &Call, const clang::FunctionDecl &Callee);
  void lookupCall(const clang::CallExpr &Call,
                  const clang::FunctionDecl &Callee);
  void pointerDeclaration(const clang::DeclaratorDecl &D);

  void functionUse(const ForbiddenFunction &F, const clang::Expr &Use,
                   clang::SourceLocation NameLoc);
  void emit(Rule R, clang::SourceLocation Loc, llvm::StringRef Api,
            std::string Message, std::vector<clang::FixItHint> FixIts = {});

  llvm::StringRef spelledName(llvm::StringRef PolicyName,
                              clang::SourceLocation NameLoc);
  bool isUnevaluated(const clang::Expr &E);
  static clang::SourceLocation calleeNameLoc(const clang::CallExpr &Call);
  const clang::CallExpr *callOf(const clang::Expr &Callee);
  std::vector<clang::FixItHint> fixIts(const FixItEntry &Fix,
                                       const clang::CallExpr &Call,
                                       clang::SourceLocation NameLoc,
                                       llvm::StringRef Name);
  bool spellsReportedFlag(const clang::Expr &E);
  bool contains(clang::CharSourceRange Range, clang::SourceLocation Loc) const;

  const MatchFinder::MatchResult &Result;
  clang::ASTContext &Ctx;
  const clang::SourceManager &SM;
  const PolicyIndex &Index;
  Reporter &Report;
  ReportLocator &Locator;
  FindingSink &Sink;
};

void MatchInterpreter::run() {
  const auto &Nodes = Result.Nodes;
  const auto *Callee = Nodes.getNodeAs<clang::FunctionDecl>(bound::Callee);
  if (const auto *Ref = Nodes.getNodeAs<clang::DeclRefExpr>(bound::Reference))
    reference(*Ref);
  if (const auto *Lookup =
          Nodes.getNodeAs<clang::UnresolvedLookupExpr>(bound::Overload))
    overload(*Lookup, *Callee);
  if (const auto *TL = Nodes.getNodeAs<clang::TypeLoc>(bound::Type))
    type(*TL);
  if (const auto *Cast = Nodes.getNodeAs<clang::CastExpr>(bound::EnumValue))
    enumValue(*Cast);
  if (const auto *Call = Nodes.getNodeAs<clang::CallExpr>(bound::FlagCall))
    flagCall(*Call, *Callee);
  if (const auto *Call = Nodes.getNodeAs<clang::CallExpr>(bound::LookupCall))
    lookupCall(*Call, *Callee);
  if (const auto *D =
          Nodes.getNodeAs<clang::DeclaratorDecl>(bound::PointerDeclaration))
    pointerDeclaration(*D);
}

void MatchInterpreter::emit(Rule R, clang::SourceLocation Loc,
                            llvm::StringRef Api, std::string Message,
                            std::vector<clang::FixItHint> FixIts) {
  Report.report(
      Finding{R, Loc, Api.str(), std::move(Message), std::move(FixIts), {}},
      Sink);
}

void MatchInterpreter::reference(const clang::DeclRefExpr &Ref) {
  // Most matches lie in system headers: rule them out before isUnevaluated,
  // whose first use builds the translation unit's parent map.
  if (Locator.userLocation(Ref.getLocation()).isInvalid() ||
      isUnevaluated(Ref))
    return;
  const clang::ValueDecl *D = Ref.getDecl();
  if (const auto *FD = llvm::dyn_cast<clang::FunctionDecl>(D)) {
    if (std::optional<ForbiddenFunction> F = Index.function(*FD))
      functionUse(*F, Ref, Ref.getLocation());
    return;
  }
  if (const auto *Enumerator = llvm::dyn_cast<clang::EnumConstantDecl>(D)) {
    if (const PolicyEntry *E = Index.enumerator(*Enumerator))
      emit(E->TheRule, Locator.userLocation(Ref.getLocation()), E->Name,
           entryMessage(E->Name, *E));
  }
}

void MatchInterpreter::enumValue(const clang::CastExpr &Cast) {
  clang::SourceLocation Loc = Locator.userLocation(Cast.getBeginLoc());
  const clang::Expr *Value = Cast.getSubExpr()->IgnoreParenImpCasts();
  // An enumerator converted to another enumeration is its own reference.
  if (Loc.isInvalid() || Value->getType()->isEnumeralType() ||
      Value->isValueDependent())
    return;
  const auto *Enum = Cast.getType()->getAs<clang::EnumType>();
  clang::Expr::EvalResult Constant;
  if (!Enum || !Value->EvaluateAsInt(Constant, Ctx))
    return;
  const llvm::APSInt &Number = Constant.Val.getInt();
  for (const clang::EnumConstantDecl *Enumerator :
       Enum->getDecl()->enumerators()) {
    if (llvm::APSInt::compareValues(Enumerator->getInitVal(), Number) != 0)
      continue;
    if (const PolicyEntry *E = Index.enumerator(*Enumerator)) {
      emit(E->TheRule, Loc, E->Name,
           entryMessage(E->Name, *E) + " (spelled as the integer " +
               llvm::toString(Number, 10) + ")");
      return;
    }
  }
}

void MatchInterpreter::overload(const clang::UnresolvedLookupExpr &Lookup,
                                const clang::FunctionDecl &Candidate) {
  if (Locator.userLocation(Lookup.getNameLoc()).isInvalid() ||
      isUnevaluated(Lookup))
    return;
  if (std::optional<ForbiddenFunction> F = Index.function(Candidate))
    functionUse(*F, Lookup, Lookup.getNameLoc());
}

void MatchInterpreter::functionUse(const ForbiddenFunction &F,
                                   const clang::Expr &Use,
                                   clang::SourceLocation NameLoc) {
  clang::SourceLocation Loc = Locator.userLocation(NameLoc);
  if (Loc.isInvalid())
    return;
  llvm::StringRef Api = F.Entry ? spelledName(F.Entry->Name, NameLoc)
                                : llvm::StringRef(F.Extra->Name);
  std::vector<clang::FixItHint> Fixes;
  if (F.Entry)
    if (const FixItEntry *Fix = Index.fixIt(F.Entry->Name))
      if (const clang::CallExpr *Call = callOf(Use))
        Fixes = fixIts(*Fix, *Call, NameLoc, F.Entry->Name);
  emit(F.TheRule, Loc, Api, F.message(Api), std::move(Fixes));
}

void MatchInterpreter::type(const clang::TypeLoc &TL) {
  SpelledType Type = spelledType(TL);
  if (!Type.Decl)
    return;
  if (const PolicyEntry *E = Index.type(*Type.Decl))
    emit(E->TheRule, Locator.userLocation(Type.NameLoc), E->Name,
         entryMessage(E->Name, *E));
}

void MatchInterpreter::flagCall(const clang::CallExpr &Call,
                                const clang::FunctionDecl &Callee) {
  for (const FlagEntry *Flag : Index.flags(Callee)) {
    if (Flag->Argument >= Call.getNumArgs())
      continue;
    const clang::Expr *Arg = Call.getArg(Flag->Argument);
    if (llvm::isa<clang::CXXDefaultArgExpr>(Arg))
      continue; // not spelled; no default of a flags word maps host memory
    std::uint64_t Bits = forbiddenFlagBits(*Arg, Flag->Mask, Ctx);
    // A flag spelled by name is reported where it is spelled (macro or
    // enumerator); report the value only when no such name explains it.
    if (Bits == 0 || spellsReportedFlag(*Arg))
      continue;
    const PolicyEntry *FlagName = flagPolicyEntry(*Flag);
    if (!FlagName)
      continue; // Policy.def is inconsistent; the unit tests catch it
    llvm::StringRef Function = spelledName(Flag->Function, calleeNameLoc(Call));
    emit(FlagRule, Locator.userLocation(Arg->getBeginLoc()), FlagName->Name,
         flagMessage(Function, Bits, *FlagName));
  }
}

/// The name argument is resolved through the constant data the compiler can
/// see (core/ConstantStrings.h). A name the argument spells itself (a
/// literal, stringized, std::string("...") or a `+` of such strings) is
/// reported there; one held by a constant variable or a local its function
/// never changes at the argument too (one lookup, one name). Where the
/// argument selects among a table's entries at run time, each forbidden
/// name is reported where the table writes it, with a note at the lookup: a
/// table holds many names and each needs its own place (and NOLINT).
void MatchInterpreter::lookupCall(const clang::CallExpr &Call,
                                  const clang::FunctionDecl &Callee) {
  const LookupEntry *Lookup = Index.lookup(Callee);
  if (!Lookup || Lookup->NameArgument >= Call.getNumArgs())
    return;
  const clang::Expr *Arg = Call.getArg(Lookup->NameArgument);
  ConstantStrings Names = constantStrings(*Arg, Ctx);
  if (Names.Strings.empty())
    return; // known only at run time: nothing to report
  clang::SourceLocation ArgLoc = Locator.userLocation(Arg->getBeginLoc());
  clang::CharSourceRange ArgRange = clang::Lexer::makeFileCharRange(
      clang::CharSourceRange::getTokenRange(Arg->getSourceRange()), SM,
      Ctx.getLangOpts());
  llvm::StringRef Function = spelledName(Lookup->Function, calleeNameLoc(Call));
  for (const ConstantString &Name : Names.Strings) {
    llvm::StringRef Symbol = Name.Text;
    std::optional<ForbiddenFunction> Target = Index.lookedUp(Symbol);
    if (!Target)
      continue;
    clang::SourceLocation Written =
        Locator.userLocation(Name.Written->getBeginLoc());
    clang::SourceLocation Loc = ArgLoc;
    std::vector<FindingNote> Notes;
    if (Written.isValid() && contains(ArgRange, Written)) {
      Loc = Written;
    } else if (Names.Selected && Written.isValid()) {
      Loc = Written;
      if (ArgLoc.isValid())
        Notes.push_back({ArgLoc, lookupSiteNote(Function, Symbol)});
    }
    llvm::StringRef Resolved =
        Lookup->ResolvesVersions && Target->Entry ? driverVersionOf(Symbol)
                                                  : llvm::StringRef();
    Report.report(
        Finding{LookupRule, Loc, Symbol.str(),
                lookupMessage(Function, Symbol, Resolved,
                              Target->message(Target->name())),
                {}, std::move(Notes)},
        Sink);
  }
}

/// Whether the file location \p Loc lies in the file range \p Range.
bool MatchInterpreter::contains(clang::CharSourceRange Range,
                                clang::SourceLocation Loc) const {
  if (Range.isInvalid() || Loc.isInvalid())
    return false;
  auto [File, Offset] = SM.getDecomposedLoc(Loc);
  auto [BeginFile, Begin] = SM.getDecomposedLoc(Range.getBegin());
  auto [EndFile, End] = SM.getDecomposedLoc(Range.getEnd());
  return File == BeginFile && File == EndFile && Begin <= Offset &&
         Offset < End;
}

/// `tcuMemAllocHost *cuMemAllocHost;`: a pointer the code fills by name
/// (dlsym, cuGetProcAddress) and calls like the API; reported where its name
/// is spelled, with the name as written (cuda.h may rename it by macro).
void MatchInterpreter::pointerDeclaration(const clang::DeclaratorDecl &D) {
  std::optional<ForbiddenFunction> F = Index.pointerNamedLikeFunction(D);
  clang::SourceLocation Loc = Locator.userLocation(D.getLocation());
  if (!F || Loc.isInvalid())
    return;
  llvm::StringRef Api = spelledName(F->name(), D.getLocation());
  emit(F->TheRule, Loc, Api,
       pointerDeclarationMessage(Api, F->message(F->name())));
}

/// The name the user wrote: the token at the name's file location when it is
/// one of \p PolicyName's symbols (cuMemAllocHost_v2 written out), else the
/// policy name (cuda.h's macro turned cuMemAllocHost into cuMemAllocHost_v2,
/// or a macro of the user's wraps the call).
llvm::StringRef MatchInterpreter::spelledName(llvm::StringRef PolicyName,
                                              clang::SourceLocation NameLoc) {
  llvm::StringRef Written = clang::Lexer::getSourceText(
      clang::CharSourceRange::getTokenRange(SM.getFileLoc(NameLoc)), SM,
      Ctx.getLangOpts());
  return llvm::is_contained(symbolsOf(PolicyName), Written) ? Written
                                                            : PolicyName;
}

/// Where the called function's name is spelled in \p Call.
clang::SourceLocation
MatchInterpreter::calleeNameLoc(const clang::CallExpr &Call) {
  const clang::Expr *Callee = Call.getCallee()->IgnoreParenImpCasts();
  if (const auto *Ref = llvm::dyn_cast<clang::DeclRefExpr>(Callee))
    return Ref->getLocation();
  if (const auto *Lookup = llvm::dyn_cast<clang::OverloadExpr>(Callee))
    return Lookup->getNameLoc();
  return Call.getBeginLoc();
}

/// Whether \p E is only an operand of sizeof, alignof, noexcept, decltype,
/// typeof or a non-polymorphic typeid: naming a function there calls nothing.
bool MatchInterpreter::isUnevaluated(const clang::Expr &E) {
  clang::DynTypedNodeList Parents = Ctx.getParents(E);
  for (unsigned Depth = 0; Depth < 256 && !Parents.empty(); ++Depth) {
    const clang::DynTypedNode &P = Parents[0];
    if (P.get<clang::UnaryExprOrTypeTraitExpr>() ||
        P.get<clang::CXXNoexceptExpr>())
      return true;
    if (const auto *TypeId = P.get<clang::CXXTypeidExpr>())
      return !TypeId->isPotentiallyEvaluated();
    if (const auto *TL = P.get<clang::TypeLoc>()) {
      if (TL->getAs<clang::DecltypeTypeLoc>() ||
          TL->getAs<clang::TypeOfExprTypeLoc>())
        return true;
    }
    if (P.get<clang::Decl>())
      return false;
    Parents = Ctx.getParents(P);
  }
  return false;
}

/// The call whose callee is \p Callee (through casts and parentheses).
const clang::CallExpr *MatchInterpreter::callOf(const clang::Expr &Callee) {
  const clang::Expr *Current = &Callee;
  for (unsigned Depth = 0; Depth < 8; ++Depth) {
    clang::DynTypedNodeList Parents = Ctx.getParents(*Current);
    if (Parents.empty())
      return nullptr;
    const auto *Parent = Parents[0].get<clang::Expr>();
    if (!Parent)
      return nullptr;
    if (const auto *Call = llvm::dyn_cast<clang::CallExpr>(Parent))
      return Call->getCallee()->IgnoreParenImpCasts() == &Callee ? Call
                                                                 : nullptr;
    if (!llvm::isa<clang::ImplicitCastExpr, clang::ParenExpr>(Parent))
      return nullptr;
    Current = Parent;
  }
  return nullptr;
}

/// "cudaMallocManaged(p, n[, cudaMemAttachGlobal])" -> "cudaMalloc(p, n)",
/// when the name and the dropped argument are spelled in the user's file
/// (directly or as a macro argument) and the dropped argument keeps the
/// meaning (absent, defaulted, or equal to the policy's value).
std::vector<clang::FixItHint>
MatchInterpreter::fixIts(const FixItEntry &Fix, const clang::CallExpr &Call,
                         clang::SourceLocation NameLoc, llvm::StringRef Name) {
  const clang::LangOptions &LO = Ctx.getLangOpts();
  clang::CharSourceRange NameRange = clang::Lexer::makeFileCharRange(
      clang::CharSourceRange::getTokenRange(NameLoc), SM, LO);
  if (NameRange.isInvalid() ||
      clang::Lexer::getSourceText(NameRange, SM, LO) != Name)
    return {};
  std::vector<clang::FixItHint> Fixes{
      clang::FixItHint::CreateReplacement(NameRange, Fix.Replacement)};

  unsigned K = Fix.DroppedArgument;
  if (K == 0 || Call.getNumArgs() <= K)
    return Fixes;
  if (Call.getNumArgs() > K + 1)
    return {}; // arguments after the dropped one: not a form we rewrite
  const clang::Expr *Dropped = Call.getArg(K);
  if (llvm::isa<clang::CXXDefaultArgExpr>(Dropped))
    return Fixes;
  std::optional<std::uint64_t> Value = evaluateFlags(*Dropped, Ctx);
  if (!Value || *Value != Fix.DroppedArgumentValue)
    return {};
  clang::CharSourceRange Previous =
      clang::Lexer::makeFileCharRange(clang::CharSourceRange::getTokenRange(
                                          Call.getArg(K - 1)->getSourceRange()),
                                      SM, LO);
  clang::CharSourceRange Last = clang::Lexer::makeFileCharRange(
      clang::CharSourceRange::getTokenRange(Dropped->getSourceRange()), SM, LO);
  if (Previous.isInvalid() || Last.isInvalid() ||
      SM.getFileID(Previous.getEnd()) != SM.getFileID(Last.getEnd()) ||
      SM.getFileID(NameRange.getBegin()) != SM.getFileID(Last.getEnd()))
    return {};
  // Remove from the comma after the previous argument, so that a comment
  // between that argument and the comma stays.
  clang::SourceLocation PreviousLastToken = clang::Lexer::GetBeginningOfToken(
      Previous.getEnd().getLocWithOffset(-1), SM, LO);
  std::optional<clang::Token> Comma =
      clang::Lexer::findNextToken(PreviousLastToken, SM, LO);
  if (!Comma || Comma->isNot(clang::tok::comma))
    return {};
  Fixes.push_back(
      clang::FixItHint::CreateRemoval(clang::CharSourceRange::getCharRange(
          Comma->getLocation(), Last.getEnd())));
  return Fixes;
}

/// Whether \p E spells a flag that is reported where it is spelled: an
/// expansion of a reported macro (cudaHostAllocMapped) or a reference to a
/// reported enumerator (CU_CTX_MAP_HOST).
bool MatchInterpreter::spellsReportedFlag(const clang::Expr &E) {
  const clang::LangOptions &LO = Ctx.getLangOpts();
  for (clang::SourceLocation Loc = E.getBeginLoc(); Loc.isMacroID();
       Loc = SM.getImmediateMacroCallerLoc(Loc)) {
    llvm::StringRef Macro = clang::Lexer::getImmediateMacroName(Loc, SM, LO);
    if (const PolicyEntry *M = Index.macro(Macro); M && M->TheRule == FlagRule)
      return true;
  }
  if (const auto *Ref = llvm::dyn_cast<clang::DeclRefExpr>(&E))
    if (const auto *Enumerator =
            llvm::dyn_cast<clang::EnumConstantDecl>(Ref->getDecl()))
      if (const PolicyEntry *En = Index.enumerator(*Enumerator);
          En && En->TheRule == FlagRule)
        return true;
  for (const clang::Stmt *Child : E.children())
    if (const auto *ChildExpr = llvm::dyn_cast_or_null<clang::Expr>(Child))
      if (spellsReportedFlag(*ChildExpr))
        return true;
  return false;
}

} // namespace

void interpretMatch(const MatchFinder::MatchResult &Result,
                    const PolicyIndex &Index, Reporter &Report,
                    FindingSink &Sink) {
  MatchInterpreter(Result, Index, Report, Sink).run();
}

} // namespace vram_only::analysis
