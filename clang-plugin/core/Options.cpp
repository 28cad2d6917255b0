//===- Options.cpp - Parsing ExtraFunctions and ExemptNames ---------------===//
#include "core/Options.h"

#include "core/Policy.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

namespace vram_only::analysis {
namespace {

bool isIdentifier(llvm::StringRef S) {
  if (S.empty() || !(llvm::isAlpha(S.front()) || S.front() == '_'))
    return false;
  return llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

llvm::SmallVector<llvm::StringRef, 8> splitList(llvm::StringRef Value) {
  llvm::SmallVector<llvm::StringRef, 8> Items;
  Value.split(Items, ';');
  llvm::SmallVector<llvm::StringRef, 8> Trimmed;
  for (llvm::StringRef Item : Items)
    if (!Item.trim().empty())
      Trimmed.push_back(Item.trim());
  return Trimmed;
}

std::string prefix(llvm::StringRef OptionName) {
  return ("option '" + OptionName + "': ").str();
}

/// The rule whose policy (functions, and their symbols) already has \p Name.
const PolicyEntry *policyFunctionNamed(llvm::StringRef Name) {
  llvm::StringRef Unqualified =
      Name.starts_with("::") ? Name.drop_front(2) : Name;
  return findPolicyEntry(EntryKind::Function, nameForSymbol(Unqualified));
}

} // namespace

bool isQualifiedIdentifier(llvm::StringRef Name) {
  if (Name.starts_with("::"))
    Name = Name.drop_front(2);
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Name.split(Parts, "::");
  return llvm::all_of(Parts, isIdentifier);
}

std::vector<ExtraFunction>
parseExtraFunctions(llvm::StringRef OptionName, llvm::StringRef Value,
                    std::vector<std::string> &Errors) {
  std::vector<ExtraFunction> Result;
  llvm::StringSet<> Seen;
  for (llvm::StringRef Item : splitList(Value)) {
    auto [Name, Reason] = Item.split('=');
    Name = Name.trim();
    Reason = Reason.trim();
    if (!Item.contains('=')) {
      Errors.push_back(prefix(OptionName) + "entry '" + Item.str() +
                       "' has no reason; write 'name=reason'");
      continue;
    }
    if (!isQualifiedIdentifier(Name)) {
      Errors.push_back(prefix(OptionName) + "'" + Name.str() + "' in entry '" +
                       Item.str() + "' is not a function name");
      continue;
    }
    if (Reason.empty()) {
      Errors.push_back(prefix(OptionName) + "entry '" + Item.str() +
                       "' has an empty reason; write 'name=reason'");
      continue;
    }
    if (const PolicyEntry *E = policyFunctionNamed(Name)) {
      Errors.push_back(
          prefix(OptionName) + "'" + Name.str() + "' is already forbidden by " +
          checkName(E->TheRule).str() + "; list only your own functions");
      continue;
    }
    if (!Seen.insert(Name).second) {
      Errors.push_back(prefix(OptionName) + "'" + Name.str() +
                       "' is listed twice");
      continue;
    }
    Result.push_back({Name.str(), Reason.str()});
  }
  return Result;
}

std::vector<std::string> exemptableNames(Rule R) {
  std::vector<std::string> Names;
  auto AddWithSymbols = [&Names](llvm::StringRef Name) {
    for (llvm::StringRef S : symbolsOf(Name))
      Names.push_back(S.str());
  };
  for (const PolicyEntry &E : policyEntries()) {
    if (E.TheRule == R || (R == LookupRule && E.Kind == EntryKind::Function))
      AddWithSymbols(E.Name);
  }
  if (R == FlagRule)
    for (const FlagEntry &F : flagEntries())
      AddWithSymbols(F.Function);
  if (R == LookupRule)
    for (const LookupEntry &L : lookupEntries())
      AddWithSymbols(L.Function);
  return Names;
}

std::vector<std::string> parseExemptNames(Rule R, llvm::StringRef OptionName,
                                          llvm::StringRef Value,
                                          llvm::ArrayRef<ExtraFunction> Extras,
                                          std::vector<std::string> &Errors) {
  std::vector<std::string> Known = exemptableNames(R);
  for (const ExtraFunction &X : Extras)
    Known.push_back(X.Name);
  llvm::StringSet<> KnownSet;
  for (const std::string &K : Known)
    KnownSet.insert(K);

  std::vector<std::string> Result;
  llvm::StringSet<> Seen;
  for (llvm::StringRef Name : splitList(Value)) {
    if (!KnownSet.contains(Name)) {
      std::string Message = prefix(OptionName) + "'" + Name.str() +
                            "' is not a name that " + checkName(R).str() +
                            " reports";
      // Suggest the closest known name when the typo is small.
      llvm::StringRef Best;
      unsigned BestDistance = 0;
      for (const std::string &K : Known) {
        unsigned D = Name.edit_distance(K, /*AllowReplacements=*/true,
                                        /*MaxEditDistance=*/3);
        if (D <= 3 && (Best.empty() || D < BestDistance)) {
          Best = K;
          BestDistance = D;
        }
      }
      if (!Best.empty())
        Message += " (did you mean '" + Best.str() + "'?)";
      Errors.push_back(std::move(Message));
      continue;
    }
    llvm::StringRef Normalised = nameForSymbol(Name);
    if (!Seen.insert(Normalised).second)
      continue; // listing a name twice is harmless
    Result.push_back(Normalised.str());
  }
  return Result;
}

RuleOptions parseRuleOptions(Rule R, llvm::StringRef ExtraFunctions,
                             llvm::StringRef ExemptNames,
                             std::vector<std::string> &Errors) {
  std::string Prefix = checkName(R).str() + ".";
  RuleOptions Parsed;
  Parsed.ExtraFunctions = parseExtraFunctions(
      Prefix + ExtraFunctionsOption.str(), ExtraFunctions, Errors);
  Parsed.ExemptNames =
      parseExemptNames(R, Prefix + ExemptNamesOption.str(), ExemptNames,
                       Parsed.ExtraFunctions, Errors);
  return Parsed;
}

} // namespace vram_only::analysis
