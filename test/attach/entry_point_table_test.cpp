// driver_entry_points.def: each row's ABI is the one cudaTypedefs.h gives
// for its base name and version; cuGetProcAddress requests find the row the
// driver would hand out; and the table agrees with the analysis' policy
// (clang-plugin/core/Policy.def, read here as data: no LLVM needed) on every
// name both know.
#define __CUDA_API_VERSION_INTERNAL 1
#include <cuda.h>
#include <cudaTypedefs.h>
#include <generated_cuda_meta.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "entry_point_table.hpp"

namespace vram_only::attach {
namespace {

// The row that libcuda exports but cuGetProcAddress never hands out.
using PFN_cuMemHostAlloc_v0 = PFN_cuMemHostAlloc_v2020;

// Signature: the table's parameters are the ABI of PFN_<Base>_v<Version>.
// Arguments: the parameter struct is filled from them in order.
#define VRAM_ONLY_UNPAREN(...) __VA_ARGS__
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, Base, Version, Stream, Kind, Decoder, Params, Signature, Arguments)  \
  static_assert(std::is_same_v<CUresult(CUDAAPI*) Signature, PFN_##Base##_v##Version>,                  \
                #Symbol ": the table's signature is not the ABI of " #Base " at cudaVersion " #Version);  \
  [[maybe_unused]] static Params fill_##Symbol Signature { return Params{VRAM_ONLY_UNPAREN Arguments}; }
#include "driver_entry_points.def"

struct Row {
  std::string symbol, base, kind;
  std::vector<std::string> arguments;
};

std::vector<std::string> names(const char* parenthesised) {
  std::string text(parenthesised);
  text = text.substr(1, text.size() - 2);
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string name; std::getline(in, name, ',');) {
    name.erase(0, name.find_first_not_of(' '));
    out.push_back(name);
  }
  return out;
}

const std::vector<Row>& rows() {
  static const std::vector<Row> table = {
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, Base, Version, Stream, Kind, Decoder, Params, Signature, Arguments) \
  {#Symbol, #Base, #Kind, names(#Arguments)},
#include "driver_entry_points.def"
  };
  return table;
}

const Row* row_of(const std::string& name) {
  for (const Row& r : rows()) {
    if (r.symbol == name || r.base == name) return &r;
  }
  return nullptr;
}

// ---- Policy.def as data ------------------------------------------------------
struct PolicyFunction {
  std::string rule, name;
};
struct PolicyRename {
  std::string name, symbols;
};
struct PolicyFlag {
  std::string function;
  int argument;
  unsigned mask;
  std::string flag;
};

#define VRAM_FUNCTION(Rule, Name, Reason, Alternative) {#Rule, Name},
const std::vector<PolicyFunction> kPolicyFunctions = {
#include VRAM_ONLY_POLICY_DEF
};
#define VRAM_RENAME(Name, Symbols) {Name, Symbols},
const std::vector<PolicyRename> kPolicyRenames = {
#include VRAM_ONLY_POLICY_DEF
};
#define VRAM_FLAG(Function, Argument, Mask, Flag) {Function, Argument, Mask, Flag},
const std::vector<PolicyFlag> kPolicyFlags = {
#include VRAM_ONLY_POLICY_DEF
};

// The memory kinds a policy rule's functions may have in the table.
std::set<std::string> kinds_of_rule(const std::string& rule) {
  if (rule == "ManagedMemory") return {"Managed", "Migration"};
  if (rule == "HostMemory") return {"Pinned", "Registered"};
  if (rule == "MappedMemory") return {"Mapped"};
  return {};
}

TEST(EntryPointTable, AgreesWithPolicyDefOnEveryDriverFunctionBothKnow) {
  // Driver functions the policy forbids that the run-time does not watch:
  // they act only on managed memory, which is reported when it is made.
  const std::set<std::string> unwatched = {"cuMemDiscardBatchAsync", "cuMemDiscardAndPrefetchBatchAsync",
                                           "cuStreamAttachMemAsync"};
  std::set<std::string> both;
  for (const PolicyFunction& f : kPolicyFunctions) {
    if (f.name.rfind("cu", 0) != 0 || f.name.rfind("cuda", 0) == 0) continue;
    const Row* row = row_of(f.name);
    if (row == nullptr) {
      EXPECT_TRUE(unwatched.count(f.name)) << f.name << " is in Policy.def but not in driver_entry_points.def";
      continue;
    }
    both.insert(f.name);
    for (const Row& r : rows()) {
      if (r.base != row->base) continue;
      EXPECT_TRUE(kinds_of_rule(f.rule).count(r.kind)) << r.symbol << " is " << r.kind << " but Policy.def puts "
                                                      << f.name << " under " << f.rule;
    }
  }
  EXPECT_EQ(both, (std::set<std::string>{"cuMemAllocManaged", "cuMemAdvise", "cuMemPrefetchAsync",
                                         "cuMemPrefetchBatchAsync", "cuMemAllocHost", "cuMemHostAlloc",
                                         "cuMemHostRegister", "cuMemHostGetDevicePointer"}));
}

TEST(EntryPointTable, HasEverySymbolPolicyDefsRenamesName) {
  for (const PolicyRename& r : kPolicyRenames) {
    const Row* row = row_of(r.name);
    if (row == nullptr) continue;
    std::stringstream symbols(r.symbols);
    for (std::string symbol; symbols >> symbol;) {
      const auto it = std::find_if(rows().begin(), rows().end(), [&](const Row& x) { return x.symbol == symbol; });
      ASSERT_NE(it, rows().end()) << r.name << " becomes " << symbol << " (Policy.def), not in the table";
      EXPECT_EQ(it->base, row->base) << symbol;
    }
  }
}

TEST(EntryPointTable, FlagArgumentsArePolicyDefsFlagArguments) {
  std::set<std::string> checked;
  for (const PolicyFlag& f : kPolicyFlags) {
    for (const Row& r : rows()) {
      if (r.base != f.function) continue;
      ASSERT_LT(static_cast<std::size_t>(f.argument), r.arguments.size()) << r.symbol;
      EXPECT_EQ(r.arguments[static_cast<std::size_t>(f.argument)], "Flags") << r.symbol << " argument " << f.argument;
      checked.insert(r.symbol);
    }
  }
  EXPECT_EQ(checked, (std::set<std::string>{"cuMemHostAlloc", "cuMemHostAlloc_v2", "cuMemHostRegister",
                                            "cuMemHostRegister_v2"}));
  // The flag Policy.def names for cuMemHostAlloc is the one that makes an allocation "mapped".
  EXPECT_EQ(CU_MEMHOSTALLOC_DEVICEMAP, 0x02);
}

TEST(EntryPointTable, CuGetProcAddressRequestsFindTheAbiTheDriverHandsOut) {
  const auto symbol = [](const char* base, int version, EntryStream stream = EntryStream::Legacy) -> std::string {
    const std::size_t row = entry_for_request(base, version, stream);
    return row == kNoEntry ? "none" : entry_points()[row].symbol;
  };
  EXPECT_EQ(symbol("cuMemAlloc", 3000), "cuMemAlloc");
  EXPECT_EQ(symbol("cuMemAlloc", 3020), "cuMemAlloc_v2");
  EXPECT_EQ(symbol("cuMemAlloc", 13000), "cuMemAlloc_v2");
  EXPECT_EQ(symbol("cuMemAllocAsync", 12000, EntryStream::PerThread), "cuMemAllocAsync_ptsz");
  EXPECT_EQ(symbol("cuMemAllocAsync", 11010), "none");
  EXPECT_EQ(symbol("cuMemAdvise", 12000), "cuMemAdvise");
  EXPECT_EQ(symbol("cuMemAdvise", 12020), "cuMemAdvise_v2");
  EXPECT_EQ(symbol("cuMemPrefetchAsync", 13000, EntryStream::PerThread), "cuMemPrefetchAsync_v2_ptsz");
  EXPECT_EQ(symbol("cuMemHostRegister", 6000), "cuMemHostRegister");
  EXPECT_EQ(symbol("cuMemHostRegister", 6050), "cuMemHostRegister_v2");
  EXPECT_EQ(symbol("cuMemHostAlloc", 13000), "cuMemHostAlloc");
  EXPECT_EQ(symbol("cuLaunchKernel", 13000), "none");
  EXPECT_EQ(symbol("cuMemGetDefaultMemPool", 13000), "cuMemGetDefaultMemPool");
  EXPECT_EQ(entry_by_symbol("cuMemHostAlloc_v2"), kNoEntry) << "CUPTI's id only: libcuda exports no such function";
  EXPECT_NE(entry_by_symbol("cuMemCreate"), kNoEntry);
  EXPECT_EQ(entry_by_symbol("cuMemcpy"), kNoEntry);
}

TEST(EntryPointTable, OneRowPerSymbol) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < entry_count(); ++i) {
    EXPECT_TRUE(seen.insert(entry_points()[i].symbol).second) << entry_points()[i].symbol;
  }
  EXPECT_EQ(entry_count(), rows().size());
}

}  // namespace
}  // namespace vram_only::attach
