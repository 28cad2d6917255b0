// Default switch: NDEBUG not defined and VRAM_ONLY_ENFORCE not set -> checks on.
#undef VRAM_ONLY_ENFORCE
#undef NDEBUG

#include <gtest/gtest.h>

#include <vram_only/tensor_check.hpp>

namespace vram_only {
namespace {

TEST(TensorCheckDefaults, OnWhenNdebugIsNotDefined) {
  EXPECT_EQ(VRAM_ONLY_ENFORCE, 1);
  EXPECT_TRUE(checks_on::tensor_checks_enabled());
}

}  // namespace
}  // namespace vram_only
