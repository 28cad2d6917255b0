//===- PolicyIndex.cpp - The policy of the enabled rules ------------------===//
#include "core/PolicyIndex.h"

#include "core/Messages.h"

#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "llvm/ADT/StringExtras.h"

namespace vram_only::analysis {
namespace {

/// The components of D's qualified name, outermost first, without inline and
/// anonymous namespaces.
llvm::SmallVector<llvm::StringRef, 6>
nameComponents(const clang::NamedDecl &D) {
  llvm::SmallVector<llvm::StringRef, 6> Components;
  if (const clang::IdentifierInfo *Id = D.getIdentifier())
    Components.push_back(Id->getName());
  for (const clang::DeclContext *Ctx = D.getDeclContext(); Ctx;
       Ctx = Ctx->getParent()) {
    if (const auto *NS = llvm::dyn_cast<clang::NamespaceDecl>(Ctx)) {
      if (NS->isInline() || NS->isAnonymousNamespace())
        continue;
      Components.push_back(NS->getName());
    } else if (const auto *Record = llvm::dyn_cast<clang::RecordDecl>(Ctx)) {
      Components.push_back(Record->getName());
    }
  }
  std::reverse(Components.begin(), Components.end());
  return Components;
}

/// Whether D is declared at global scope (or in an extern "C" block there).
bool isGlobal(const clang::NamedDecl &D) {
  return D.getDeclContext()->getRedeclContext()->isTranslationUnit();
}

llvm::StringRef unqualified(llvm::StringRef Name) {
  size_t Colon = Name.rfind("::");
  return Colon == llvm::StringRef::npos ? Name : Name.substr(Colon + 2);
}

} // namespace

llvm::StringRef ForbiddenFunction::name() const {
  return Entry ? Entry->Name : llvm::StringRef(Extra->Name);
}

std::string ForbiddenFunction::message(llvm::StringRef Api) const {
  return Entry ? entryMessage(Api, *Entry)
               : extraFunctionMessage(Api, Extra->Reason);
}

std::string qualifiedNameOf(const clang::NamedDecl &D) {
  return llvm::join(nameComponents(D), "::");
}

bool nameMatches(const clang::NamedDecl &D, llvm::StringRef Pattern) {
  bool FullyQualified = Pattern.consume_front("::");
  llvm::SmallVector<llvm::StringRef, 6> Wanted;
  Pattern.split(Wanted, "::");
  llvm::SmallVector<llvm::StringRef, 6> Have = nameComponents(D);
  if (Wanted.size() > Have.size() ||
      (FullyQualified && Wanted.size() != Have.size()))
    return false;
  return std::equal(Wanted.rbegin(), Wanted.rend(), Have.rbegin());
}

PolicyIndex::PolicyIndex(RuleSet Rules, const AnalysisOptions &Options)
    : Rules(Rules), Options(Options) {
  for (const PolicyEntry &E : policyEntries()) {
    bool Reported = isEnabled(E.TheRule) && !isExempt(E.TheRule, E.Name);
    switch (E.Kind) {
    case EntryKind::Function:
      if (Reported)
        for (llvm::StringRef S : symbolsOf(E.Name))
          FunctionsBySymbol[S] = &E;
      if (isEnabled(LookupRule) && !isExempt(LookupRule, E.Name))
        for (llvm::StringRef S : symbolsOf(E.Name))
          LookupTargets[S] = ForbiddenFunction{E.TheRule, &E, nullptr};
      break;
    case EntryKind::Enumerator:
      if (Reported)
        EnumeratorsByName[E.Name] = &E;
      break;
    case EntryKind::Macro:
      if (Reported)
        MacrosByName[E.Name] = &E;
      break;
    case EntryKind::Type:
      if (Reported)
        for (llvm::StringRef Declaration : splitPolicyList(E.Declarations)) {
          TypesByDeclaration[Declaration] = &E;
          TypeUnqualifiedNames.insert(unqualified(Declaration));
        }
      break;
    }
  }

  if (isEnabled(FlagRule))
    for (const FlagEntry &F : flagEntries())
      if (!isExempt(FlagRule, F.Function) && !isExempt(FlagRule, F.Flag))
        for (llvm::StringRef S : symbolsOf(F.Function))
          FlagsBySymbol[S].push_back(&F);

  if (isEnabled(LookupRule))
    for (const LookupEntry &L : lookupEntries())
      if (!isExempt(LookupRule, L.Function))
        for (llvm::StringRef S : symbolsOf(L.Function))
          LookupsBySymbol[S] = &L;

  for (const FixItEntry &F : fixItEntries())
    FixItsByName[F.Function] = &F;

  // The user's functions. Pointers into this->Options stay valid: it is not
  // modified after this point.
  for (Rule R : AllRules) {
    if (!isEnabled(R))
      continue;
    for (const ExtraFunction &X : this->Options.of(R).ExtraFunctions) {
      if (isExempt(R, X.Name))
        continue;
      ForbiddenFunction F{R, nullptr, &X};
      if (R == LookupRule) {
        LookupTargets[unqualified(X.Name)] = F;
        continue;
      }
      Extras.push_back(F);
      ExtraUnqualifiedNames.insert(unqualified(X.Name));
    }
  }

  for (const auto &Map : {FunctionsBySymbol, EnumeratorsByName})
    for (const auto &Entry : Map)
      AllNames.insert(Entry.getKey());
  for (const auto &Entry : FlagsBySymbol)
    AllNames.insert(Entry.getKey());
  for (const auto &Entry : LookupsBySymbol)
    AllNames.insert(Entry.getKey());
  for (const auto &Entry : TypeUnqualifiedNames)
    AllNames.insert(Entry.getKey());
  for (const auto &Entry : ExtraUnqualifiedNames)
    AllNames.insert(Entry.getKey());
}

bool PolicyIndex::mayName(const clang::IdentifierInfo *Id) const {
  if (!Id)
    return false;
  auto [It, Inserted] = NameCandidates.try_emplace(Id, false);
  if (Inserted)
    It->second = AllNames.contains(Id->getName());
  return It->second;
}

bool PolicyIndex::isExempt(Rule R, llvm::StringRef Name) const {
  return llvm::is_contained(Options.of(R).ExemptNames, Name);
}

std::optional<ForbiddenFunction>
PolicyIndex::function(const clang::FunctionDecl &FD) const {
  const clang::IdentifierInfo *Id = FD.getIdentifier();
  if (!mayName(Id))
    return std::nullopt;
  llvm::StringRef Name = Id->getName();
  auto It = FunctionsBySymbol.find(Name);
  if (It != FunctionsBySymbol.end() && isGlobal(FD))
    return ForbiddenFunction{It->second->TheRule, It->second, nullptr};
  if (ExtraUnqualifiedNames.contains(Name))
    for (const ForbiddenFunction &X : Extras)
      if (nameMatches(FD, X.Extra->Name))
        return X;
  return std::nullopt;
}

std::optional<ForbiddenFunction>
PolicyIndex::pointerNamedLikeFunction(const clang::DeclaratorDecl &D) const {
  const clang::IdentifierInfo *Id = D.getIdentifier();
  if (!mayName(Id))
    return std::nullopt;
  clang::QualType T = D.getType();
  if (T.isNull() ||
      !(T->isFunctionPointerType() || T->isFunctionReferenceType()))
    return std::nullopt;
  const PolicyEntry *E = FunctionsBySymbol.lookup(Id->getName());
  if (!E)
    return std::nullopt;
  return ForbiddenFunction{E->TheRule, E, nullptr};
}

const PolicyEntry *
PolicyIndex::enumerator(const clang::EnumConstantDecl &D) const {
  if (!mayName(D.getIdentifier()))
    return nullptr;
  return EnumeratorsByName.lookup(D.getName());
}

const PolicyEntry *PolicyIndex::macro(llvm::StringRef Name) const {
  return MacrosByName.lookup(Name);
}

const PolicyEntry *PolicyIndex::type(const clang::NamedDecl &D) const {
  const clang::IdentifierInfo *Id = D.getIdentifier();
  if (!mayName(Id) || !TypeUnqualifiedNames.contains(Id->getName()))
    return nullptr;
  return TypesByDeclaration.lookup(qualifiedNameOf(D));
}

llvm::ArrayRef<const FlagEntry *>
PolicyIndex::flags(const clang::FunctionDecl &FD) const {
  const clang::IdentifierInfo *Id = FD.getIdentifier();
  if (!mayName(Id) || !isGlobal(FD))
    return {};
  auto It = FlagsBySymbol.find(Id->getName());
  if (It == FlagsBySymbol.end())
    return {};
  return It->second;
}

const LookupEntry *PolicyIndex::lookup(const clang::FunctionDecl &FD) const {
  const clang::IdentifierInfo *Id = FD.getIdentifier();
  if (!mayName(Id) || !isGlobal(FD))
    return nullptr;
  return LookupsBySymbol.lookup(Id->getName());
}

std::optional<ForbiddenFunction>
PolicyIndex::lookedUp(llvm::StringRef Symbol) const {
  auto It = LookupTargets.find(Symbol);
  if (It == LookupTargets.end())
    return std::nullopt;
  return It->second;
}

const FixItEntry *PolicyIndex::fixIt(llvm::StringRef Name) const {
  return FixItsByName.lookup(Name);
}

} // namespace vram_only::analysis
