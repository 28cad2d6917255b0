// The worker's command line: values, defaults and the exact error messages.
#include "cli/worker_options.hpp"

#include <gtest/gtest.h>

namespace worker::cli {
namespace {

WorkerOptions parse_ok(const std::vector<std::string> &args) {
  const ParseResult r = parse_worker_options(args);
  EXPECT_TRUE(r.options.has_value()) << r.error;
  return r.options.value_or(WorkerOptions{});
}

std::string parse_error(const std::vector<std::string> &args) {
  const ParseResult r = parse_worker_options(args);
  EXPECT_FALSE(r.options.has_value());
  return r.error;
}

TEST(WorkerOptions, Defaults) {
  const WorkerOptions o = parse_ok({"m.gguf"});
  EXPECT_EQ(o.model_path, "m.gguf");
  EXPECT_EQ(o.prompt, "Hello");
  EXPECT_EQ(o.tokens, 16u);
  EXPECT_EQ(o.ctx, 0u);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8080);
  EXPECT_EQ(o.sweep_interval_ms, 1000u);
  EXPECT_FALSE(o.serve);
  EXPECT_EQ(o.violate, Violation::None);
}

TEST(WorkerOptions, ParsesEveryOptionInBothSpellings) {
  const WorkerOptions o = parse_ok({"--prompt", "Hi there", "--tokens=10", "--ctx", "64", "--host=0.0.0.0",
                                    "--port", "0", "--sweep-interval-ms=250", "--serve", "--ignore-eos",
                                    "--device", "1", "--violate=managed-kv", "m.gguf"});
  EXPECT_EQ(o.prompt, "Hi there");
  EXPECT_EQ(o.tokens, 10u);
  EXPECT_EQ(o.ctx, 64u);
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 0);
  EXPECT_EQ(o.sweep_interval_ms, 250u);
  EXPECT_TRUE(o.serve);
  EXPECT_TRUE(o.ignore_eos);
  EXPECT_EQ(o.device, 1);
  EXPECT_EQ(o.violate, Violation::ManagedKv);
  EXPECT_EQ(parse_ok({"m", "--violate", "pinned-weights"}).violate, Violation::PinnedWeights);
  EXPECT_EQ(parse_ok({"m", "--prompt="}).prompt, "");
}

TEST(WorkerOptions, ReportsErrorsExactly) {
  EXPECT_EQ(parse_error({}), "no model file given");
  EXPECT_EQ(parse_error({"m", "--tokens"}), "--tokens needs a value");
  EXPECT_EQ(parse_error({"m", "--tokens", "-1"}), "--tokens needs a whole number in 0..1048576, got '-1'");
  EXPECT_EQ(parse_error({"m", "--port=70000"}), "--port needs a whole number in 0..65535, got '70000'");
  EXPECT_EQ(parse_error({"m", "--ctx", "0"}), "--ctx must be at least 1");
  EXPECT_EQ(parse_error({"m", "--sweep-interval-ms=0"}), "--sweep-interval-ms must be at least 1");
  EXPECT_EQ(parse_error({"m", "--violate=swap"}), "--violate: unknown kind 'swap' (managed-kv or pinned-weights)");
  EXPECT_EQ(parse_error({"m", "--serve=yes"}), "--serve takes no value");
  EXPECT_EQ(parse_error({"m", "--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(parse_error({"a", "b"}), "more than one model path ('a' and 'b')");
  EXPECT_EQ(parse_error({"m", "--serve", "--no-server"}), "--serve and --no-server contradict each other");
}

TEST(WorkerOptions, HelpWinsOverEverythingElse) {
  const ParseResult r = parse_worker_options({"--help"});
  ASSERT_TRUE(r.options.has_value());
  EXPECT_TRUE(r.options->help);
  EXPECT_NE(worker_usage().find("--violate=KIND"), std::string::npos);
}

} // namespace
} // namespace worker::cli
