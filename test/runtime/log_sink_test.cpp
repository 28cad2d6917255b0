// The log sink: stderr by default, replaceable, never throws into the caller.
#include <gtest/gtest.h>

#include <string>

#include <vram_only/log_sink.hpp>

namespace vram_only {
namespace {

TEST(LogSink, StderrFormat) {
  ::testing::internal::CaptureStderr();
  stderr_log_sink(LogLevel::Critical, "VRAM residency violated: x");
  stderr_log_sink(LogLevel::Warning, "tracker misuse: y");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "[vram-only] CRITICAL: VRAM residency violated: x\n"
            "[vram-only] WARNING: tracker misuse: y\n");
}

TEST(LogSink, DefaultSinkIsReplaceable) {
  std::string captured;
  set_default_log_sink([&](LogLevel level, std::string_view message) {
    captured = std::string(to_string(level)) + "|" + std::string(message);
  });
  log_to(LogSink{}, LogLevel::Info, "hello");
  EXPECT_EQ(captured, "INFO|hello");
  set_default_log_sink(nullptr);  // back to stderr
  ::testing::internal::CaptureStderr();
  log_to(LogSink{}, LogLevel::Error, "again");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "[vram-only] ERROR: again\n");
}

TEST(LogSink, ExplicitSinkWinsAndThrowingSinksAreContained) {
  int calls = 0;
  log_to([&](LogLevel, std::string_view) { ++calls; }, LogLevel::Debug, "x");
  EXPECT_EQ(calls, 1);
  EXPECT_NO_THROW(log_to([](LogLevel, std::string_view) { throw 1; }, LogLevel::Debug, "x"));
}

TEST(LogLevel, ToString) {
  EXPECT_EQ(to_string(LogLevel::Debug), "DEBUG");
  EXPECT_EQ(to_string(LogLevel::Info), "INFO");
  EXPECT_EQ(to_string(LogLevel::Warning), "WARNING");
  EXPECT_EQ(to_string(LogLevel::Error), "ERROR");
  EXPECT_EQ(to_string(LogLevel::Critical), "CRITICAL");
}

}  // namespace
}  // namespace vram_only
