// With VRAM_ONLY_ENFORCE=0 the macro and checked_view compile to nothing:
// no argument is evaluated, no oracle is asked, nothing aborts.
#define VRAM_ONLY_ENFORCE 0

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace vram_only {
namespace {

TEST(TensorCheckDisabled, CompiledOut) {
  EXPECT_FALSE(tensor_checks_enabled());
  static_assert(!tensor_checks_enabled(), "VRAM_ONLY_ENFORCE=0 must switch the checks off");
}

TEST(TensorCheckDisabled, MacroEvaluatesNothing) {
  testing::TrackerFixture f;
  set_tensor_check_action(ViolationAction::Abort);  // would abort if anything ran
  int evaluations = 0;
  auto p = [&] { ++evaluations; return testing::ptr(0x1000); };
  auto n = [&] { ++evaluations; return std::size_t{64}; };
  VRAM_ONLY_CHECK_TENSOR_IN(f.tracker, p(), n());
  VRAM_ONLY_CHECK_TENSOR(p(), n());
  EXPECT_EQ(evaluations, 0);
  EXPECT_EQ(f.oracle.queries(), 0u);
}

TEST(TensorCheckDisabled, CheckedViewJustBuildsTheView) {
  testing::TrackerFixture f;
  set_tensor_check_action(ViolationAction::Abort);
  int host[8] = {};
  const auto view = checked_view(f.tracker, host, 8);
  EXPECT_EQ(view.data(), host);
  EXPECT_EQ(view.size(), 8u);
  EXPECT_EQ(f.oracle.queries(), 0u);
  // The explicit check still works when asked for.
  EXPECT_TRUE(check_tensor_range(f.tracker, host, sizeof host).has_value());
}

}  // namespace
}  // namespace vram_only
