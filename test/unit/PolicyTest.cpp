//===- PolicyTest.cpp - The policy data (Policy.def) is well-formed -------===//
#include "core/Policy.h"
#include "core/Messages.h"
#include "core/Options.h"
#include "core/Rule.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <gtest/gtest.h>

#include <set>

namespace vram_only::analysis {
namespace {

bool isIdentifier(llvm::StringRef S) {
  return !S.empty() && (llvm::isAlpha(S.front()) || S.front() == '_') &&
         llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

TEST(RuleTest, CheckNamesRoundTrip) {
  std::set<std::string> Names;
  for (Rule R : AllRules) {
    llvm::StringRef Name = checkName(R);
    EXPECT_TRUE(Name.starts_with("vram-")) << Name.str();
    EXPECT_EQ(ruleForCheckName(Name), R);
    Names.insert(Name.str());
  }
  EXPECT_EQ(Names.size(), AllRules.size());
  EXPECT_EQ(checkName(Rule::ManagedMemory), "vram-managed-memory");
  EXPECT_EQ(checkName(Rule::HostMemory), "vram-host-memory");
  EXPECT_EQ(checkName(Rule::MappedMemory), "vram-mapped-memory");
  EXPECT_EQ(checkName(Rule::DynamicLookup), "vram-dynamic-lookup");
  EXPECT_FALSE(ruleForCheckName("vram-other").has_value());
}

TEST(RuleTest, RuleSet) {
  RuleSet Set;
  EXPECT_TRUE(Set.empty());
  Set.insert(Rule::HostMemory);
  EXPECT_TRUE(Set.contains(Rule::HostMemory));
  EXPECT_FALSE(Set.contains(Rule::ManagedMemory));
  for (Rule R : AllRules)
    EXPECT_TRUE(RuleSet::all().contains(R));
  EXPECT_FALSE(RuleSet::only(Rule::MappedMemory).contains(Rule::HostMemory));
}

TEST(PolicyTest, EveryEntryIsWellFormed) {
  for (const PolicyEntry &E : policyEntries()) {
    SCOPED_TRACE(E.Name.str());
    // The message reads "<name> <reason>; <alternative>".
    ASSERT_FALSE(E.Reason.empty());
    ASSERT_FALSE(E.Alternative.empty());
    EXPECT_TRUE(llvm::isLower(E.Reason.front()));
    EXPECT_TRUE(llvm::isLower(E.Alternative.front()));
    for (llvm::StringRef Text : {E.Reason, E.Alternative}) {
      EXPECT_FALSE(Text.ends_with(".") || Text.ends_with(";") ||
                   Text.ends_with(" "));
      EXPECT_FALSE(Text.contains('%')) << "clang's diagnostics format '%'";
    }
    if (E.Kind == EntryKind::Type) {
      EXPECT_TRUE(E.Name.starts_with("thrust::"));
      EXPECT_TRUE(isQualifiedIdentifier(E.Name));
      ASSERT_FALSE(splitPolicyList(E.Declarations).empty());
      for (llvm::StringRef D : splitPolicyList(E.Declarations))
        EXPECT_TRUE(isQualifiedIdentifier(D) && D.contains("::")) << D.str();
    } else {
      EXPECT_TRUE(isIdentifier(E.Name));
      EXPECT_TRUE(E.Declarations.empty());
    }
  }
}

TEST(PolicyTest, NamesAndSymbolsAreUnique) {
  llvm::StringSet<> Seen;
  for (const PolicyEntry &E : policyEntries()) {
    if (E.Kind == EntryKind::Type) {
      for (llvm::StringRef D : splitPolicyList(E.Declarations))
        EXPECT_TRUE(Seen.insert(D).second) << D.str();
      continue;
    }
    for (llvm::StringRef S : symbolsOf(E.Name))
      EXPECT_TRUE(Seen.insert(S).second) << S.str();
  }
  for (const LookupEntry &L : lookupEntries())
    for (llvm::StringRef S : symbolsOf(L.Function))
      EXPECT_TRUE(Seen.insert(S).second) << S.str();
}

TEST(PolicyTest, EveryRuleHasEntries) {
  for (Rule R : {Rule::ManagedMemory, Rule::HostMemory, Rule::MappedMemory}) {
    unsigned Functions = 0;
    for (const PolicyEntry &E : policyEntries())
      Functions += E.TheRule == R && E.Kind == EntryKind::Function;
    EXPECT_GT(Functions, 0u) << checkName(R).str();
  }
  EXPECT_FALSE(lookupEntries().empty()); // vram-dynamic-lookup
  EXPECT_FALSE(flagEntries().empty());   // vram-mapped-memory's flags
}

TEST(PolicyTest, TheIssueListIsCovered) {
  auto RuleOf = [](EntryKind K, llvm::StringRef Name) -> std::optional<Rule> {
    const PolicyEntry *E = findPolicyEntry(K, Name);
    return E ? std::optional<Rule>(E->TheRule) : std::nullopt;
  };
  for (llvm::StringRef F :
       {"cudaMallocManaged", "cuMemAllocManaged", "cudaMemAdvise",
        "cuMemAdvise", "cudaMemPrefetchAsync", "cuMemPrefetchAsync",
        "cudaStreamAttachMemAsync", "cuStreamAttachMemAsync"})
    EXPECT_EQ(RuleOf(EntryKind::Function, F), Rule::ManagedMemory) << F.str();
  EXPECT_EQ(RuleOf(EntryKind::Macro, "__managed__"), Rule::ManagedMemory);
  for (llvm::StringRef T :
       {"thrust::universal_vector", "thrust::universal_allocator",
        "thrust::universal_ptr"})
    EXPECT_EQ(RuleOf(EntryKind::Type, T), Rule::ManagedMemory) << T.str();
  for (llvm::StringRef F :
       {"cudaHostAlloc", "cudaMallocHost", "cuMemHostAlloc", "cuMemAllocHost",
        "cudaHostRegister", "cuMemHostRegister"})
    EXPECT_EQ(RuleOf(EntryKind::Function, F), Rule::HostMemory) << F.str();
  for (llvm::StringRef F :
       {"cudaHostGetDevicePointer", "cuMemHostGetDevicePointer"})
    EXPECT_EQ(RuleOf(EntryKind::Function, F), Rule::MappedMemory) << F.str();
  for (llvm::StringRef M :
       {"cudaHostAllocMapped", "cudaHostRegisterMapped",
        "CU_MEMHOSTALLOC_DEVICEMAP", "CU_MEMHOSTREGISTER_DEVICEMAP",
        "cudaDeviceMapHost"})
    EXPECT_EQ(RuleOf(EntryKind::Macro, M), Rule::MappedMemory) << M.str();
  for (llvm::StringRef E :
       {"cudaMemLocationTypeHost", "cudaMemLocationTypeHostNuma",
        "cudaMemLocationTypeHostNumaCurrent", "CU_MEM_LOCATION_TYPE_HOST",
        "CU_MEM_LOCATION_TYPE_HOST_NUMA",
        "CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT", "CU_CTX_MAP_HOST"})
    EXPECT_EQ(RuleOf(EntryKind::Enumerator, E), Rule::MappedMemory) << E.str();
  // VRAM that CUDA calls "pinned", and capability queries, are not forbidden.
  for (EntryKind K :
       {EntryKind::Function, EntryKind::Macro, EntryKind::Enumerator})
    for (llvm::StringRef N :
         {"CU_MEM_ALLOCATION_TYPE_PINNED", "cudaMemAllocationTypePinned",
          "canMapHostMemory", "CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY",
          "cudaMalloc", "cuMemAlloc", "cudaMemcpyAsync"})
      EXPECT_EQ(findPolicyEntry(K, N), nullptr) << N.str();
}

TEST(PolicyTest, RenamesMapBackToTheNameTheUserWrites) {
  EXPECT_EQ(nameForSymbol("cuMemAllocHost_v2"), "cuMemAllocHost");
  EXPECT_EQ(nameForSymbol("cuMemHostRegister_v2"), "cuMemHostRegister");
  EXPECT_EQ(nameForSymbol("cuMemHostGetDevicePointer_v2"),
            "cuMemHostGetDevicePointer");
  EXPECT_EQ(nameForSymbol("cuGetProcAddress_v2"), "cuGetProcAddress");
  EXPECT_EQ(nameForSymbol("cuCtxCreate_v4"), "cuCtxCreate");
  EXPECT_EQ(nameForSymbol("cuMemPrefetchAsync_v2_ptsz"), "cuMemPrefetchAsync");
  EXPECT_EQ(nameForSymbol("cudaMemPrefetchAsync_ptsz"), "cudaMemPrefetchAsync");
  EXPECT_EQ(nameForSymbol("cudaMallocManaged"), "cudaMallocManaged");
  EXPECT_EQ(nameForSymbol("tcuMemAllocHost"), "tcuMemAllocHost");
  EXPECT_EQ(symbolsOf("cuMemAllocHost"),
            (llvm::SmallVector<llvm::StringRef, 4>{"cuMemAllocHost",
                                                   "cuMemAllocHost_v2"}));
  EXPECT_EQ(symbolsOf("cudaMalloc"),
            (llvm::SmallVector<llvm::StringRef, 4>{"cudaMalloc"}));
}

TEST(PolicyTest, RenamesAreUsedAndExtendTheirName) {
  for (const RenameEntry &R : renameEntries()) {
    SCOPED_TRACE(R.Name.str());
    bool Used = findPolicyEntry(EntryKind::Function, R.Name) != nullptr;
    for (const FlagEntry &F : flagEntries())
      Used |= F.Function == R.Name;
    for (const LookupEntry &L : lookupEntries())
      Used |= L.Function == R.Name;
    EXPECT_TRUE(Used);
    ASSERT_FALSE(splitPolicyList(R.Symbols).empty());
    for (llvm::StringRef S : splitPolicyList(R.Symbols)) {
      EXPECT_TRUE(S.starts_with(R.Name.str() + "_")) << S.str();
      EXPECT_TRUE(isIdentifier(S));
    }
  }
}

TEST(PolicyTest, FlagsNameAMappedFlagEntry) {
  for (const FlagEntry &F : flagEntries()) {
    SCOPED_TRACE(F.Function.str() + " " + F.Flag.str());
    const PolicyEntry *Flag = flagPolicyEntry(F);
    ASSERT_NE(Flag, nullptr);
    EXPECT_EQ(Flag->TheRule, FlagRule);
    EXPECT_NE(F.Mask, 0u);
    EXPECT_TRUE(isIdentifier(F.Function));
    EXPECT_LT(F.Argument, 8u);
  }
  // The mapped bits of CUDA 13 (driver_types.h, cuda.h).
  auto MaskOf = [](llvm::StringRef Function) -> std::uint64_t {
    for (const FlagEntry &F : flagEntries())
      if (F.Function == Function)
        return F.Mask;
    return 0;
  };
  EXPECT_EQ(MaskOf("cudaHostAlloc"), 0x02u);
  EXPECT_EQ(MaskOf("cudaHostRegister"), 0x02u);
  EXPECT_EQ(MaskOf("cuMemHostAlloc"), 0x02u);
  EXPECT_EQ(MaskOf("cuMemHostRegister"), 0x02u);
  EXPECT_EQ(MaskOf("cudaMallocHost"), 0x02u);
  EXPECT_EQ(MaskOf("cudaSetDeviceFlags"), 0x08u);
  EXPECT_EQ(MaskOf("cuCtxCreate"), 0x08u);
}

TEST(PolicyTest, FixItsReplaceManagedAllocationsWithDeviceOnes) {
  ASSERT_FALSE(fixItEntries().empty());
  for (const FixItEntry &F : fixItEntries()) {
    SCOPED_TRACE(F.Function.str());
    const PolicyEntry *E = findPolicyEntry(EntryKind::Function, F.Function);
    ASSERT_NE(E, nullptr);
    EXPECT_EQ(E->TheRule, Rule::ManagedMemory);
    EXPECT_EQ(findPolicyEntry(EntryKind::Function, F.Replacement), nullptr);
    EXPECT_GE(F.DroppedArgument, 1u);
    EXPECT_TRUE(E->Alternative.contains(F.Replacement));
  }
}

TEST(PolicyTest, LookupFunctionsAreNotForbiddenThemselves) {
  for (const LookupEntry &L : lookupEntries()) {
    EXPECT_EQ(findPolicyEntry(EntryKind::Function, L.Function), nullptr);
    EXPECT_LT(L.NameArgument, 2u);
  }
}

TEST(MessagesTest, Wording) {
  const PolicyEntry *Managed =
      findPolicyEntry(EntryKind::Function, "cudaMallocManaged");
  ASSERT_NE(Managed, nullptr);
  EXPECT_EQ(entryMessage("cudaMallocManaged", *Managed),
            "cudaMallocManaged allocates managed (unified) memory that can "
            "migrate to host RAM; use cudaMalloc");
  const PolicyEntry *Mapped =
      findPolicyEntry(EntryKind::Macro, "cudaHostAllocMapped");
  ASSERT_NE(Mapped, nullptr);
  EXPECT_EQ(
      flagMessage("cudaHostAlloc", 0x02, *Mapped),
      "cudaHostAlloc flags include cudaHostAllocMapped (0x02), which maps "
      "page-locked host memory into the device address space "
      "(zero-copy); remove the flag and keep the data in cudaMalloc "
      "memory");
  EXPECT_EQ(extraFunctionMessage("stage", "pins host memory; use Arena"),
            "stage pins host memory; use Arena");
  EXPECT_EQ(lookupMessage("dlsym", "x_v2", "", "x does y; use z"),
            "dlsym looks up x_v2 by name, which hides its use from "
            "compile-time checks: x does y; use z");
  EXPECT_EQ(lookupMessage("cuGetProcAddress", "x", "x_v2", "x does y; use z"),
            "cuGetProcAddress looks up x by name (the driver resolves it to "
            "x_v2), which hides its use from compile-time checks: x does y; "
            "use z");
  EXPECT_EQ(lookupSiteNote("dlsym", "x"), "dlsym looks up x here");
}

TEST(PolicyTest, DriverVersionsOfUnversionedNames) {
  EXPECT_EQ(driverVersionOf("cuMemAllocHost"), "cuMemAllocHost_v2");
  EXPECT_EQ(driverVersionOf("cuMemPrefetchAsync"), "cuMemPrefetchAsync_v2");
  // Only a per-thread-default-stream variant, or no rename at all.
  EXPECT_EQ(driverVersionOf("cuMemPrefetchBatchAsync"), "");
  EXPECT_EQ(driverVersionOf("cudaMallocHost"), "");
  EXPECT_EQ(driverVersionOf("cuMemAllocHost_v2"), "");
  for (const LookupEntry &L : lookupEntries())
    EXPECT_EQ(L.ResolvesVersions, !L.Function.starts_with("dl"))
        << L.Function.str();
}

} // namespace
} // namespace vram_only::analysis
