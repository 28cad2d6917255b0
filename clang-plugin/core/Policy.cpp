//===- Policy.cpp - The tables of Policy.def ------------------------------===//
#include "core/Policy.h"

namespace vram_only::analysis {
namespace {

const PolicyEntry PolicyTable[] = {
#define VRAM_FUNCTION(R, Name, Reason, Alternative)                            \
  {EntryKind::Function, Rule::R, Name, Reason, Alternative, ""},
#define VRAM_MACRO(R, Name, Reason, Alternative)                               \
  {EntryKind::Macro, Rule::R, Name, Reason, Alternative, ""},
#define VRAM_ENUMERATOR(R, Name, Reason, Alternative)                          \
  {EntryKind::Enumerator, Rule::R, Name, Reason, Alternative, ""},
#define VRAM_TYPE(R, Name, Declarations, Reason, Alternative)                  \
  {EntryKind::Type, Rule::R, Name, Reason, Alternative, Declarations},
#include "core/Policy.def"
};

const RenameEntry RenameTable[] = {
#define VRAM_RENAME(Name, Symbols) {Name, Symbols},
#include "core/Policy.def"
};

const FixItEntry FixItTable[] = {
#define VRAM_FIXIT(Function, Replacement, Dropped, DroppedValue)               \
  {Function, Replacement, Dropped, DroppedValue},
#include "core/Policy.def"
};

const FlagEntry FlagTable[] = {
#define VRAM_FLAG(Function, Argument, Mask, Flag)                              \
  {Function, Argument, Mask, Flag},
#include "core/Policy.def"
};

const LookupEntry LookupTable[] = {
#define VRAM_LOOKUP(Function, NameArgument, ResolvesVersions)                  \
  {Function, NameArgument, ResolvesVersions != 0},
#include "core/Policy.def"
};

} // namespace

llvm::StringRef entryKindName(EntryKind Kind) {
  switch (Kind) {
  case EntryKind::Function:
    return "function";
  case EntryKind::Macro:
    return "macro";
  case EntryKind::Enumerator:
    return "enumerator";
  case EntryKind::Type:
    return "type";
  }
  return "entry";
}

llvm::ArrayRef<PolicyEntry> policyEntries() { return PolicyTable; }
llvm::ArrayRef<RenameEntry> renameEntries() { return RenameTable; }
llvm::ArrayRef<FixItEntry> fixItEntries() { return FixItTable; }
llvm::ArrayRef<FlagEntry> flagEntries() { return FlagTable; }
llvm::ArrayRef<LookupEntry> lookupEntries() { return LookupTable; }

const PolicyEntry *findPolicyEntry(EntryKind Kind, llvm::StringRef Name) {
  for (const PolicyEntry &E : PolicyTable)
    if (E.Kind == Kind && E.Name == Name)
      return &E;
  return nullptr;
}

const PolicyEntry *flagPolicyEntry(const FlagEntry &Flag) {
  if (const PolicyEntry *Macro = findPolicyEntry(EntryKind::Macro, Flag.Flag))
    return Macro;
  return findPolicyEntry(EntryKind::Enumerator, Flag.Flag);
}

llvm::SmallVector<llvm::StringRef, 4> splitPolicyList(llvm::StringRef List) {
  llvm::SmallVector<llvm::StringRef, 4> Items;
  List.split(Items, ' ', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  return Items;
}

llvm::SmallVector<llvm::StringRef, 4> symbolsOf(llvm::StringRef Name) {
  llvm::SmallVector<llvm::StringRef, 4> Symbols{Name};
  for (const RenameEntry &R : RenameTable)
    if (R.Name == Name)
      Symbols.append(splitPolicyList(R.Symbols));
  return Symbols;
}

llvm::StringRef driverVersionOf(llvm::StringRef Name) {
  // A per-thread-default-stream symbol (_ptsz) is what the driver returns
  // only when asked for it (CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM).
  for (const RenameEntry &R : RenameTable)
    if (R.Name == Name)
      for (llvm::StringRef S : splitPolicyList(R.Symbols))
        if (!S.ends_with("_ptsz"))
          return S;
  return {};
}

llvm::StringRef nameForSymbol(llvm::StringRef Symbol) {
  for (const RenameEntry &R : RenameTable)
    for (llvm::StringRef S : splitPolicyList(R.Symbols))
      if (S == Symbol)
        return R.Name;
  return Symbol;
}

} // namespace vram_only::analysis
