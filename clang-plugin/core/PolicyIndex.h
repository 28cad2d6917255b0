//===- PolicyIndex.h - The policy of the enabled rules, ready for lookups -===//
//
// Built once per Analysis from Policy.def, the enabled rules and the user's
// options (ExtraFunctions added, ExemptNames removed). The matchers and the
// interpreter ask it what a declaration, macro or string names. Immutable
// after construction, so safe to share between threads.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_POLICY_INDEX_H
#define VRAM_ONLY_ANALYSIS_POLICY_INDEX_H

#include "core/Options.h"
#include "core/Policy.h"
#include "core/Rule.h"

#include "clang/Basic/IdentifierTable.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <optional>
#include <string>
#include <vector>

namespace clang {
class DeclaratorDecl;
class EnumConstantDecl;
class FunctionDecl;
class NamedDecl;
} // namespace clang

namespace vram_only::analysis {

/// A function the analysis forbids: a policy entry or one of the user's
/// ExtraFunctions.
struct ForbiddenFunction {
  Rule TheRule;
  const PolicyEntry *Entry = nullptr;   ///< set for a policy function
  const ExtraFunction *Extra = nullptr; ///< set for the user's function

  /// The policy name, or the name as configured.
  llvm::StringRef name() const;
  /// "<Api> <reason>; <alternative>" or "<Api> <user's reason>".
  std::string message(llvm::StringRef Api) const;
};

/// The qualified name of \p D without inline and anonymous namespaces, e.g.
/// "thrust::cuda_cub::universal_vector".
std::string qualifiedNameOf(const clang::NamedDecl &D);

/// Whether \p Pattern ("f", "ns::f", "::ns::f") names \p D: its components
/// are a suffix of D's qualified name (all of it with a leading "::").
bool nameMatches(const clang::NamedDecl &D, llvm::StringRef Pattern);

class PolicyIndex {
public:
  PolicyIndex(RuleSet Rules, const AnalysisOptions &Options);
  // Holds pointers into its own copy of the options.
  PolicyIndex(const PolicyIndex &) = delete;
  PolicyIndex &operator=(const PolicyIndex &) = delete;

  RuleSet rules() const { return Rules; }

  /// The forbidden function \p FD is: a policy function (global namespace,
  /// any of its cuda.h symbols) or an ExtraFunction of an enabled rule.
  std::optional<ForbiddenFunction>
  function(const clang::FunctionDecl &FD) const;
  const PolicyEntry *enumerator(const clang::EnumConstantDecl &D) const;
  const PolicyEntry *macro(llvm::StringRef Name) const;
  /// The type entry of an alias template, alias or class \p D declares.
  const PolicyEntry *type(const clang::NamedDecl &D) const;
  /// The flag arguments of \p FD (the mapped-memory rule).
  llvm::ArrayRef<const FlagEntry *> flags(const clang::FunctionDecl &FD) const;
  /// The lookup function \p FD is (dlsym, cuGetProcAddress, ...).
  const LookupEntry *lookup(const clang::FunctionDecl &FD) const;
  /// The forbidden function that \p D (a variable, parameter or field of
  /// function-pointer type) stands for: a policy function (or one of its
  /// cuda.h symbols) of an enabled rule whose name \p D has exactly, as the
  /// driver tables of code that loads the driver itself have
  /// (`tcuMemAllocHost *cuMemAllocHost;`). Look-alike names (typedef
  /// tcuMemAllocHost, names that merely contain a name) stand for nothing.
  std::optional<ForbiddenFunction>
  pointerNamedLikeFunction(const clang::DeclaratorDecl &D) const;
  /// The forbidden function a lookup of \p Symbol returns.
  std::optional<ForbiddenFunction> lookedUp(llvm::StringRef Symbol) const;
  /// The fix-it of the policy function named \p Name.
  const FixItEntry *fixIt(llvm::StringRef Name) const;

  /// false when no function, enumerator, type, flag or lookup function of
  /// the index can have the name \p Id: the matchers' fast path, a pointer
  /// lookup after the first query of each identifier. Identifiers belong to
  /// one translation unit: call beginTranslationUnit() before the next.
  bool mayName(const clang::IdentifierInfo *Id) const;
  void beginTranslationUnit() const { NameCandidates.clear(); }

  bool hasFunctions() const {
    return !FunctionsBySymbol.empty() || !Extras.empty();
  }
  bool hasEnumerators() const { return !EnumeratorsByName.empty(); }
  bool hasMacros() const { return !MacrosByName.empty(); }
  bool hasTypes() const { return !TypesByDeclaration.empty(); }
  bool hasFlags() const { return !FlagsBySymbol.empty(); }
  bool hasLookups() const { return !LookupsBySymbol.empty(); }

private:
  bool isEnabled(Rule R) const { return Rules.contains(R); }
  bool isExempt(Rule R, llvm::StringRef Name) const;

  RuleSet Rules;
  AnalysisOptions Options;
  llvm::StringMap<const PolicyEntry *> FunctionsBySymbol;
  llvm::StringMap<const PolicyEntry *> EnumeratorsByName;
  llvm::StringMap<const PolicyEntry *> MacrosByName;
  llvm::StringMap<const PolicyEntry *> TypesByDeclaration;
  llvm::StringSet<> TypeUnqualifiedNames;
  llvm::StringMap<llvm::SmallVector<const FlagEntry *, 1>> FlagsBySymbol;
  llvm::StringMap<const LookupEntry *> LookupsBySymbol;
  llvm::StringMap<ForbiddenFunction> LookupTargets;
  llvm::StringMap<const FixItEntry *> FixItsByName;
  std::vector<ForbiddenFunction> Extras;
  llvm::StringSet<> ExtraUnqualifiedNames;
  /// Every unqualified name the AST queries above can succeed for.
  llvm::StringSet<> AllNames;
  mutable llvm::DenseMap<const clang::IdentifierInfo *, bool> NameCandidates;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_POLICY_INDEX_H
