// The policy file: a good one, sizes, and bad ones whose error names the line.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "policy_file.hpp"

namespace vram_only::attach {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_policy(text, "policy.json");
  } catch (const PolicyError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PolicyFile, ParsesRulesWithLinesSizesAndComments) {
  const Policy p = parse_policy(R"({
  "version": 1,
  // llama.cpp's pinned output buffers
  "allow": [
    { "kind": "pinned", "library": "libggml-cuda",
      "max_bytes_per_allocation": "64 MiB", "max_bytes_total": "256 MiB" },
    {
      "kind": "managed",
      "max_bytes_total": 4096,
      "comment": "a __managed__ counter"
    }
  ]
})", "llama.json");
  EXPECT_EQ(p.source, "llama.json");
  ASSERT_EQ(p.rules.size(), 2u);
  EXPECT_EQ(p.rules[0].kind, MemoryKind::Pinned);
  EXPECT_EQ(p.rules[0].library, "libggml-cuda");
  EXPECT_EQ(p.rules[0].max_bytes_per_allocation, 64u << 20);
  EXPECT_EQ(p.rules[0].max_bytes_total, 256u << 20);
  EXPECT_EQ(p.rules[0].line, 5);
  EXPECT_EQ(p.rules[1].kind, MemoryKind::Managed);
  EXPECT_EQ(p.rules[1].max_bytes_per_allocation, 4096u) << "defaults to the total";
  EXPECT_EQ(p.rules[1].line, 7);
}

TEST(PolicyFile, EmptyObjectAllowsNothing) {
  EXPECT_TRUE(parse_policy("{}", "p").rules.empty());
  EXPECT_TRUE(parse_policy(R"({"allow": []})", "p").rules.empty());
}

TEST(PolicyFile, Sizes) {
  std::size_t n = 0;
  EXPECT_TRUE(parse_size("4096", n));
  EXPECT_EQ(n, 4096u);
  EXPECT_TRUE(parse_size("64 MiB", n));
  EXPECT_EQ(n, 64u << 20);
  EXPECT_TRUE(parse_size("1GiB", n));
  EXPECT_EQ(n, 1u << 30);
  EXPECT_TRUE(parse_size("2 GB", n));
  EXPECT_EQ(n, 2000000000u);
  EXPECT_TRUE(parse_size("10 B", n));
  EXPECT_EQ(n, 10u);
  EXPECT_FALSE(parse_size("", n));
  EXPECT_FALSE(parse_size("MiB", n));
  EXPECT_FALSE(parse_size("1.5 GiB", n));
  EXPECT_FALSE(parse_size("12 parsecs", n));
  EXPECT_FALSE(parse_size("-1", n));
  EXPECT_FALSE(parse_size("99999999999999999999", n));
  EXPECT_FALSE(parse_size("16777216 TiB", n)) << "overflows 64 bits";
}

TEST(PolicyFile, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("{\n  \"allow\": [\n    {\"kind\": \"pinned\",}\n  ]\n}\n"),
            "policy.json:3:23: not valid JSON: syntax error while parsing object key - unexpected '}'; "
            "expected string literal");
  EXPECT_EQ(error_of("\n \n"), "policy.json: the file is empty (a policy is a JSON object with an \"allow\" list)");
  EXPECT_EQ(error_of(""), "policy.json: the file is empty (a policy is a JSON object with an \"allow\" list)");
  EXPECT_EQ(error_of("{\n"), "policy.json:2:1: not valid JSON: syntax error while parsing object key - unexpected "
                            "end of input; expected string literal");
}

TEST(PolicyFile, SemanticErrorsNameTheLine) {
  EXPECT_EQ(error_of("[]"), "policy.json:1: the policy must be a JSON object with an \"allow\" list, not an array");
  EXPECT_EQ(error_of("{\n\"version\": 2}"), "policy.json:2: \"version\" must be 1");
  EXPECT_EQ(error_of("{\n\n\"alow\": []}"),
            "policy.json:3: unknown key \"alow\" (expected \"version\", \"allow\", \"comment\")");
  EXPECT_EQ(error_of("{\"allow\":\n {}}"), "policy.json:2: \"allow\" must be a list of rules, not an object");
  EXPECT_EQ(error_of("{\"allow\": [\n 3]}"), "policy.json:2: a rule must be an object, not a number");
  EXPECT_EQ(error_of("{\"allow\": [\n {\"kind\": \"pinned\",\n  \"max_bytes_total\": \"lots\"}]}"),
            "policy.json:3: \"max_bytes_total\" must be a number of bytes or a size like \"64 MiB\"");
  EXPECT_EQ(error_of("{\"allow\": [\n {\"kind\": \"device\", \"max_bytes_total\": 1}]}"),
            "policy.json:2: \"kind\" must be one of managed, pinned, mapped, registered, host_vmm, host_pool, "
            "migration");
  EXPECT_EQ(error_of("{\"allow\": [{\"kind\": \"pinned\",\n\n \"max_bytes_total\": 1,\n \"limit\": 3}]}"),
            "policy.json:4: unknown key \"limit\" in a rule (expected \"kind\", \"library\", "
            "\"max_bytes_per_allocation\", \"max_bytes_total\", \"comment\")");
  EXPECT_EQ(error_of("{\"allow\": [\n\n  {\"kind\": \"pinned\"}]}"),
            "policy.json:3: the rule has no \"max_bytes_total\" (every exception needs a bound)");
  EXPECT_EQ(error_of("{\"allow\": [\n  {\"max_bytes_total\": 5}]}"), "policy.json:2: the rule has no \"kind\"");
  EXPECT_EQ(error_of("{\"allow\": [{\"kind\": \"pinned\", \"max_bytes_total\": 5,\n \"library\": \"\"}]}"),
            "policy.json:2: \"library\" must be a non-empty string (part of the library's file name)");
  EXPECT_EQ(error_of("{\"allow\": [],\n \"allow\": []}"), "policy.json:2: duplicate key \"allow\"");
  EXPECT_EQ(error_of("{\"allow\": [{\"kind\": \"pinned\", \"max_bytes_total\":\n -5}]}"),
            "policy.json:2: \"max_bytes_total\" must be a number of bytes or a size like \"64 MiB\"");
}

TEST(PolicyFile, UnreadableFile) {
  try {
    load_policy_file("/nonexistent/policy.json");
    FAIL() << "no error";
  } catch (const PolicyError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/policy.json: cannot read the policy file");
  }
}

TEST(PolicyFile, LoadsAFile) {
  const std::string path = ::testing::TempDir() + "/vram_only_policy_test.json";
  std::ofstream(path) << "{\"allow\": [{\"kind\": \"registered\", \"max_bytes_total\": \"1 GiB\"}]}\n";
  const Policy p = load_policy_file(path);
  EXPECT_EQ(p.source, path);
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_EQ(p.rules[0].kind, MemoryKind::Registered);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace vram_only::attach
