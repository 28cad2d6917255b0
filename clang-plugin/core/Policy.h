//===- Policy.h - Read access to the VRAM-only policy (Policy.def) --------===//
//
// The policy is data: Policy.def lists every forbidden function, macro,
// enumerator and type with its rule, reason and VRAM alternative, the flag
// arguments whose mapped bit is forbidden, the fix-its, cuda.h's renames and
// the lookup functions. This header exposes those tables; nothing else in the
// analysis names a CUDA API.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_POLICY_H
#define VRAM_ONLY_ANALYSIS_POLICY_H

#include "core/Rule.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace vram_only::analysis {

enum class EntryKind : std::uint8_t { Function, Macro, Enumerator, Type };

/// "function", "macro", "enumerator", "type".
llvm::StringRef entryKindName(EntryKind Kind);

/// A forbidden name. Its message reads "<Name> <Reason>; <Alternative>".
struct PolicyEntry {
  EntryKind Kind;
  Rule TheRule;
  llvm::StringRef Name;        ///< what the user writes, e.g. "cuMemAllocHost"
  llvm::StringRef Reason;      ///< why it breaks VRAM-only
  llvm::StringRef Alternative; ///< what to use instead
  /// Types only: space-separated qualified names of the declarations.
  llvm::StringRef Declarations;
};

/// cuda.h / cuda_runtime_api.h rename Name by macro to one of Symbols.
struct RenameEntry {
  llvm::StringRef Name;
  llvm::StringRef Symbols; ///< space-separated
};

/// A call of Function becomes a call of Replacement; DroppedArgument is
/// removed when absent, defaulted or equal to DroppedArgumentValue.
struct FixItEntry {
  llvm::StringRef Function;
  llvm::StringRef Replacement;
  unsigned DroppedArgument;
  std::uint64_t DroppedArgumentValue;
};

/// Argument Argument of Function is a flags word in which the bits of Mask
/// are forbidden; Flag names the macro or enumerator entry of those bits.
struct FlagEntry {
  llvm::StringRef Function;
  unsigned Argument;
  std::uint64_t Mask;
  llvm::StringRef Flag;
};

/// Function returns a function named by its argument NameArgument; with
/// ResolvesVersions, an unversioned name gets the version cuda.h renames it
/// to (driverVersionOf).
struct LookupEntry {
  llvm::StringRef Function;
  unsigned NameArgument;
  bool ResolvesVersions;
};

/// The rule of flag findings and lookups (they have no entry of their own).
inline constexpr Rule FlagRule = Rule::MappedMemory;
inline constexpr Rule LookupRule = Rule::DynamicLookup;

llvm::ArrayRef<PolicyEntry> policyEntries();
llvm::ArrayRef<RenameEntry> renameEntries();
llvm::ArrayRef<FixItEntry> fixItEntries();
llvm::ArrayRef<FlagEntry> flagEntries();
llvm::ArrayRef<LookupEntry> lookupEntries();

/// The entry of kind \p Kind named \p Name, or null.
const PolicyEntry *findPolicyEntry(EntryKind Kind, llvm::StringRef Name);

/// The macro or enumerator entry that names the bits of \p Flag.
const PolicyEntry *flagPolicyEntry(const FlagEntry &Flag);

/// \p Name followed by the symbols cuda.h renames it to (if any).
llvm::SmallVector<llvm::StringRef, 4> symbolsOf(llvm::StringRef Name);

/// The symbol the driver's entry-point lookups (cuGetProcAddress) return for
/// the unversioned \p Name: the first symbol cuda.h renames it to that is not
/// a per-thread-default-stream variant ("cuMemAllocHost_v2" for
/// "cuMemAllocHost"); empty when there is none.
llvm::StringRef driverVersionOf(llvm::StringRef Name);

/// The name a user writes for \p Symbol: "cuMemAllocHost" for
/// "cuMemAllocHost_v2"; \p Symbol itself when it is not a rename target.
llvm::StringRef nameForSymbol(llvm::StringRef Symbol);

/// Splits a space-separated list of Policy.def ("a b c").
llvm::SmallVector<llvm::StringRef, 4> splitPolicyList(llvm::StringRef List);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_POLICY_H
