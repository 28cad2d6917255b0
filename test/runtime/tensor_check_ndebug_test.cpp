// Default switch: NDEBUG defined and VRAM_ONLY_ENFORCE not set -> checks off.
#undef VRAM_ONLY_ENFORCE
#ifndef NDEBUG
#define NDEBUG
#endif

#include <gtest/gtest.h>

#include <vram_only/tensor_check.hpp>

namespace vram_only {
namespace {

TEST(TensorCheckDefaults, OffWhenNdebugIsDefined) {
  EXPECT_EQ(VRAM_ONLY_ENFORCE, 0);
  EXPECT_FALSE(tensor_checks_enabled());
}

}  // namespace
}  // namespace vram_only
