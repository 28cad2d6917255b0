//===- Matchers.cpp - The AST matchers of the enabled rules ---------------===//
//
// The matchers are small and declarative; what a name means is decided by
// the PolicyIndex, so they never name a CUDA API.
//  - references (calls, function pointers, address-of) to forbidden
//    functions and enumerators, and integers converted to an enumeration
//    (the interpreter tells whether the value is a forbidden enumerator's);
//  - dependent calls by name in templates (UnresolvedLookupExpr), so that a
//    template that is never instantiated is still checked;
//  - spelled types (TypeLocs) naming a forbidden type;
//  - calls of functions with flag arguments (a flag that depends on a
//    template argument is known only in an instantiation);
//  - calls of lookup functions (dlsym, cuGetProcAddress, ...);
//  - the user's own function pointers named like a forbidden function
//    (`tcuMemAllocHost *cuMemAllocHost;`, filled by name at run time).
// Template instantiations are not filtered out here: clang reuses the
// pattern's non-dependent nodes in its instantiations, so
// isInTemplateInstantiation() would also drop the pattern's own references.
// Instantiated nodes carry the pattern's locations, and the Reporter keeps one
// finding per rule, location and api: the pattern is reported once.
//
//===----------------------------------------------------------------------===//
#include "core/Matchers.h"

#include "core/PolicyIndex.h"

#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/TypeLoc.h"
#include "clang/ASTMatchers/ASTMatchers.h"

namespace vram_only::analysis {
namespace {

using namespace clang::ast_matchers;

const clang::FunctionDecl *asFunction(const clang::NamedDecl *D) {
  D = D->getUnderlyingDecl();
  if (const auto *Template = llvm::dyn_cast<clang::FunctionTemplateDecl>(D))
    return Template->getTemplatedDecl();
  return llvm::dyn_cast<clang::FunctionDecl>(D);
}

AST_MATCHER_P(clang::FunctionDecl, isForbiddenFunction, const PolicyIndex *,
              Index) {
  return Index->function(Node).has_value();
}

AST_MATCHER_P(clang::EnumConstantDecl, isForbiddenEnumerator,
              const PolicyIndex *, Index) {
  return Index->enumerator(Node) != nullptr;
}

/// Matches an unresolved call's name (in a template) when one of its
/// candidate functions, or function templates, matches \p Inner.
/// Matches an unresolved name that the index may forbid: every candidate
/// of an overload set has the set's name, so one check rules out the set.
AST_MATCHER_P(clang::OverloadExpr, hasPolicyName, const PolicyIndex *, Index) {
  return Index->mayName(Node.getName().getAsIdentifierInfo());
}

AST_MATCHER_P(clang::OverloadExpr, hasAnyCandidateFunction,
              clang::ast_matchers::internal::Matcher<clang::FunctionDecl>,
              Inner) {
  for (const clang::NamedDecl *D : Node.decls()) {
    const clang::FunctionDecl *FD = asFunction(D);
    clang::ast_matchers::internal::BoundNodesTreeBuilder Result(*Builder);
    if (FD && Inner.matches(*FD, Finder, &Result)) {
      *Builder = std::move(Result);
      return true;
    }
  }
  return false;
}

AST_MATCHER_P(clang::TypeLoc, namesForbiddenType, const PolicyIndex *, Index) {
  const clang::NamedDecl *D = spelledType(Node).Decl;
  return D && Index->type(*D) != nullptr;
}

AST_MATCHER_P(clang::DeclaratorDecl, isPointerNamedLikeForbiddenFunction,
              const PolicyIndex *, Index) {
  return Index->pointerNamedLikeFunction(Node).has_value();
}

AST_MATCHER_P(clang::FunctionDecl, hasFlagArguments, const PolicyIndex *,
              Index) {
  return !Index->flags(Node).empty();
}

AST_MATCHER_P(clang::FunctionDecl, isLookupFunction, const PolicyIndex *,
              Index) {
  return Index->lookup(Node) != nullptr;
}

/// A call of a function that \p Callee matches, bound to bound::Callee:
/// resolved, or by name in a template (dependent arguments). A CallExpr
/// matcher, so that the finder runs it on calls only, not on every statement.
clang::ast_matchers::internal::Matcher<clang::CallExpr>
callOf(const PolicyIndex &Index,
       const clang::ast_matchers::internal::Matcher<clang::FunctionDecl> &Callee) {
  return callExpr(
      anyOf(callee(functionDecl(Callee).bind(bound::Callee)),
            callee(unresolvedLookupExpr(
                hasPolicyName(&Index),
                hasAnyCandidateFunction(functionDecl(Callee).bind(bound::Callee))))));
}

} // namespace

SpelledType spelledType(const clang::TypeLoc &TL) {
  if (auto Specialization = TL.getAs<clang::TemplateSpecializationTypeLoc>())
    return {Specialization.getTypePtr()->getTemplateName().getAsTemplateDecl(),
            Specialization.getTemplateNameLoc()};
  if (auto Typedef = TL.getAs<clang::TypedefTypeLoc>())
    return {Typedef.getTypedefNameDecl(), Typedef.getNameLoc()};
  if (auto Using = TL.getAs<clang::UsingTypeLoc>())
    return {Using.getTypePtr()->getFoundDecl()->getTargetDecl(),
            Using.getNameLoc()};
  return {};
}

void registerPolicyMatchers(MatchFinder &Finder, const PolicyIndex &Index,
                            MatchFinder::MatchCallback *Callback) {
  if (Index.hasFunctions()) {
    Finder.addMatcher(declRefExpr(to(functionDecl(isForbiddenFunction(&Index))))
                          .bind(bound::Reference),
                      Callback);
    Finder.addMatcher(
        unresolvedLookupExpr(
            hasPolicyName(&Index),
            hasAnyCandidateFunction(
                functionDecl(isForbiddenFunction(&Index)).bind(bound::Callee)))
            .bind(bound::Overload),
        Callback);
    Finder.addMatcher(
        declaratorDecl(anyOf(varDecl(), fieldDecl()),
                       isPointerNamedLikeForbiddenFunction(&Index))
            .bind(bound::PointerDeclaration),
        Callback);
  }
  if (Index.hasEnumerators()) {
    Finder.addMatcher(
        declRefExpr(to(enumConstantDecl(isForbiddenEnumerator(&Index))))
            .bind(bound::Reference),
        Callback);
    Finder.addMatcher(castExpr(hasCastKind(clang::CK_IntegralCast),
                               hasType(qualType(hasCanonicalType(enumType()))))
                          .bind(bound::EnumValue),
                      Callback);
  }
  if (Index.hasTypes())
    Finder.addMatcher(typeLoc(namesForbiddenType(&Index)).bind(bound::Type),
                      Callback);
  if (Index.hasFlags())
    Finder.addMatcher(
        callExpr(callOf(Index, hasFlagArguments(&Index))).bind(bound::FlagCall),
        Callback);
  if (Index.hasLookups())
    Finder.addMatcher(
        callExpr(callOf(Index, isLookupFunction(&Index))).bind(bound::LookupCall),
        Callback);
}

} // namespace vram_only::analysis
