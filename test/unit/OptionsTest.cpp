//===- OptionsTest.cpp - ExtraFunctions and ExemptNames parsing -----------===//
#include "core/Options.h"

#include <gtest/gtest.h>

namespace vram_only::analysis {
namespace {

TEST(OptionsTest, ExtraFunctionsAreTrimmedAndKeptInOrder) {
  std::vector<std::string> Errors;
  std::vector<ExtraFunction> Extras =
      parseExtraFunctions("vram-host-memory.ExtraFunctions",
                          " stagePinned = pins a staging buffer, use the arena "
                          "; io::mapFile=maps a file;; ",
                          Errors);
  EXPECT_TRUE(Errors.empty());
  ASSERT_EQ(Extras.size(), 2u);
  EXPECT_EQ(Extras[0].Name, "stagePinned");
  EXPECT_EQ(Extras[0].Reason, "pins a staging buffer, use the arena");
  EXPECT_EQ(Extras[1].Name, "io::mapFile");
  EXPECT_EQ(Extras[1].Reason, "maps a file");
}

TEST(OptionsTest, BadExtraFunctionsAreReportedAndTheRestKept) {
  std::vector<std::string> Errors;
  std::vector<ExtraFunction> Extras = parseExtraFunctions(
      "X.ExtraFunctions",
      "good=ok;noreason;1bad=x;empty=;cudaMallocHost=mine;good=again;"
      "::also::good=fine",
      Errors);
  ASSERT_EQ(Extras.size(), 2u);
  EXPECT_EQ(Extras[0].Name, "good");
  EXPECT_EQ(Extras[1].Name, "::also::good");
  EXPECT_EQ(Errors,
            (std::vector<std::string>{
                "option 'X.ExtraFunctions': entry 'noreason' has no "
                "reason; write 'name=reason'",
                "option 'X.ExtraFunctions': '1bad' in entry '1bad=x' is "
                "not a function name",
                "option 'X.ExtraFunctions': entry 'empty=' has an "
                "empty reason; write 'name=reason'",
                "option 'X.ExtraFunctions': 'cudaMallocHost' is already "
                "forbidden by vram-host-memory; list only your own "
                "functions",
                "option 'X.ExtraFunctions': 'good' is listed twice",
            }));
}

TEST(OptionsTest, ExemptNamesAreNormalisedToPolicyNames) {
  std::vector<std::string> Errors;
  std::vector<ExtraFunction> Extras{{"stagePinned", "pins"}};
  std::vector<std::string> Names = parseExemptNames(
      Rule::HostMemory, "vram-host-memory.ExemptNames",
      "cuMemAllocHost_v2; cudaHostRegister;stagePinned;cuMemAllocHost", Extras,
      Errors);
  EXPECT_TRUE(Errors.empty());
  EXPECT_EQ(Names, (std::vector<std::string>{
                       "cuMemAllocHost", "cudaHostRegister", "stagePinned"}));
}

TEST(OptionsTest, UnknownExemptNamesGetASuggestion) {
  std::vector<std::string> Errors;
  std::vector<std::string> Names = parseExemptNames(
      Rule::HostMemory, "vram-host-memory.ExemptNames",
      "cudaMalocHost;cudaMallocManaged;nothingLikeIt;cudaHostAlloc", {},
      Errors);
  EXPECT_EQ(Names, (std::vector<std::string>{"cudaHostAlloc"}));
  EXPECT_EQ(Errors,
            (std::vector<std::string>{
                "option 'vram-host-memory.ExemptNames': 'cudaMalocHost' is not "
                "a name that vram-host-memory reports (did you mean "
                "'cudaMallocHost'?)",
                "option 'vram-host-memory.ExemptNames': 'cudaMallocManaged' is "
                "not a name that vram-host-memory reports",
                "option 'vram-host-memory.ExemptNames': 'nothingLikeIt' is not "
                "a name that vram-host-memory reports",
            }));
}

TEST(OptionsTest, ExemptableNamesPerRule) {
  auto Has = [](Rule R, const char *Name) {
    std::vector<std::string> Names = exemptableNames(R);
    return std::find(Names.begin(), Names.end(), Name) != Names.end();
  };
  EXPECT_TRUE(Has(Rule::ManagedMemory, "__managed__"));
  EXPECT_TRUE(Has(Rule::ManagedMemory, "thrust::universal_vector"));
  EXPECT_TRUE(Has(Rule::HostMemory, "cuMemAllocHost_v2"));
  EXPECT_TRUE(Has(Rule::MappedMemory, "cudaHostAllocMapped"));
  EXPECT_TRUE(Has(Rule::MappedMemory, "cudaSetDeviceFlags")); // flag function
  EXPECT_TRUE(Has(Rule::DynamicLookup, "dlsym"));
  EXPECT_TRUE(Has(Rule::DynamicLookup, "cudaMallocManaged")); // looked-up name
  EXPECT_FALSE(Has(Rule::HostMemory, "cudaMallocManaged"));
  EXPECT_FALSE(Has(Rule::ManagedMemory, "dlsym"));
}

TEST(OptionsTest, QualifiedIdentifiers) {
  EXPECT_TRUE(isQualifiedIdentifier("f"));
  EXPECT_TRUE(isQualifiedIdentifier("_f1"));
  EXPECT_TRUE(isQualifiedIdentifier("ns::f"));
  EXPECT_TRUE(isQualifiedIdentifier("::ns::inner::f"));
  EXPECT_FALSE(isQualifiedIdentifier(""));
  EXPECT_FALSE(isQualifiedIdentifier("::"));
  EXPECT_FALSE(isQualifiedIdentifier("ns::"));
  EXPECT_FALSE(isQualifiedIdentifier("a b"));
  EXPECT_FALSE(isQualifiedIdentifier("f()"));
  EXPECT_FALSE(isQualifiedIdentifier("9f"));
}

} // namespace
} // namespace vram_only::analysis
