// The policy file: a good one, sizes, and bad ones whose error names the line.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

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

std::string load_error(const std::string& path) {
  try {
    load_policy_file(path);
  } catch (const PolicyError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PolicyFile, UnreadableFile) {
  EXPECT_EQ(load_error("/nonexistent/policy.json"),
            "/nonexistent/policy.json: cannot read the policy file: No such file or directory");
  EXPECT_EQ(load_error(""), "(empty path): cannot read the policy file: no file name given");
}

TEST(PolicyFile, ADirectoryIsNotEmptyButADirectory) {
  const std::string dir = ::testing::TempDir() + "/vram_only_policy_dir";
  mkdir(dir.c_str(), 0700);
  EXPECT_EQ(load_error(dir), dir + ": cannot read the policy file: is a directory");
  rmdir(dir.c_str());
}

// Read, either would block (a FIFO with no writer) or never end (/dev/zero).
TEST(PolicyFile, FifosAndDevicesAreRefusedWithoutBlocking) {
  const std::string fifo = ::testing::TempDir() + "/vram_only_policy_fifo";
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(load_error(fifo), fifo + ": cannot read the policy file: is a FIFO, not a regular file");
  std::remove(fifo.c_str());
  EXPECT_EQ(load_error("/dev/zero"), "/dev/zero: cannot read the policy file: is a character device, not a "
                                     "regular file");
}

TEST(PolicyFile, AFileOverOneMebibyteIsRefusedUnread) {
  const std::string path = ::testing::TempDir() + "/vram_only_policy_large.json";
  // Valid JSON all the same: the size alone refuses it.
  std::ofstream(path) << "{\"comment\": \"" << std::string((1u << 20) - 15, 'x') << "\"}\n";
  EXPECT_EQ(load_error(path), path + ": the file is 1048577 bytes; a policy file is at most 1048576 bytes (1 MiB)");
  std::remove(path.c_str());
  EXPECT_EQ(error_of(std::string((1u << 20) + 1, ' ')),
            "policy.json: the file is 1048577 bytes; a policy file is at most 1048576 bytes (1 MiB)");
}

// Depth once cost memory quadratic in it (8,000 levels: 158 MB; 200,000: OOM).
TEST(PolicyFile, NestingIsBoundedBeforeItCostsMemory) {
  for (const std::size_t depth : {17u, 8000u, 200000u}) {
    const std::string text = "{\"version\":1,\"allow\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
    EXPECT_EQ(error_of(text), "policy.json:1:37: nested deeper than 16 levels (a policy needs 3)") << depth;
  }
  EXPECT_EQ(error_of("{\"version\":1,\"allow\":[{\"kind\": \"pinned\", \"max_bytes_total\": 1, \"comment\": " +
                     std::string(14, '[') + std::string(14, ']') + "}]}"),
            "policy.json:1:88: nested deeper than 16 levels (a policy needs 3)");
  EXPECT_EQ(parse_policy("{\"allow\": [{\"kind\": \"pinned\", \"max_bytes_total\": 1, \"comment\": " +
                             std::string(13, '[') + std::string(13, ']') + "}]}", "p").rules.size(), 1u)
      << "16 levels are fine";
}

// Lines were once found by rescanning the text from its start for every
// value: 20,000 rules took 90 s. A file at the size bound parses at once.
TEST(PolicyFile, LinesOfALargeFileAreFoundInLinearTime) {
  std::string text = "{\"allow\": [\n";
  std::size_t rules = 0;
  const std::string rule = "  {\"kind\": \"pinned\", \"library\": \"libx\", \"max_bytes_total\": 4096},\n";
  while (text.size() + 2 * rule.size() < (1u << 20)) {
    text += rule;
    ++rules;
  }
  text += "  {\"kind\": \"pinned\", \"max_bytes_total\": 1, \"max_bytes_per_allocation\": 2}\n]}\n";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of(text), "policy.json:" + std::to_string(rules + 2) +
                                ": \"max_bytes_per_allocation\" (2 bytes) is larger than \"max_bytes_total\" (1 bytes)");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20)) << rules << " rules";
}

TEST(PolicyFile, BytesAfterTheDocumentAreAnError) {
  EXPECT_EQ(error_of(std::string("{}\0garbage", 10)), "policy.json:1:3: not valid JSON: a NUL byte");
  EXPECT_EQ(error_of(std::string("{\"allow\": [\n]}\n\0", 16)), "policy.json:3:1: not valid JSON: a NUL byte");
  EXPECT_EQ(error_of("{}\n{}"), "policy.json:2:1: not valid JSON: syntax error while parsing value - unexpected "
                                "'{'; expected end of input");
}

TEST(PolicyFile, PerAllocationBoundAboveTheTotalIsAnError) {
  EXPECT_EQ(error_of("{\"allow\": [\n {\"kind\": \"pinned\", \"max_bytes_total\": \"1 MiB\",\n"
                     "  \"max_bytes_per_allocation\": \"2 MiB\"}]}"),
            "policy.json:3: \"max_bytes_per_allocation\" (2097152 bytes) is larger than \"max_bytes_total\" "
            "(1048576 bytes)");
  EXPECT_EQ(parse_policy("{\"allow\": [{\"kind\": \"pinned\", \"max_bytes_total\": 8, \"max_bytes_per_allocation\": 8}]}",
                         "p").rules.at(0).max_bytes_per_allocation, 8u);
}

// The library quotes a whole token (a 100 MB invalid file wrote a 100 MB
// line); keys are quoted by the policy's own messages.
TEST(PolicyFile, MessagesQuoteAShortEscapedExcerpt) {
  const std::string long_string = "{\"allow\": \"" + std::string(500000, 'a') + "\x01\"}";
  EXPECT_EQ(error_of(long_string),
            "policy.json:1:500012: not valid JSON: syntax error while parsing value - invalid string: control "
            "character U+0001 (SOH) must be escaped to \\u0001; last read: "
            "'\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'... (500009 bytes)");
  EXPECT_EQ(error_of("{\"" + std::string(100000, 'k') + "\\u001b[2J\": 1}"),
            "policy.json:1: unknown key \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"... (100004 bytes) (expected "
            "\"version\", \"allow\", \"comment\")");
  EXPECT_EQ(error_of("{\"a\\u001b\": 1}"),
            "policy.json:1: unknown key \"a\\x1b\" (expected \"version\", \"allow\", \"comment\")");
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
