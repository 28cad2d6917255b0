// A tracker on the real CUDA driver's oracle (the default) that logs into
// `log`: the common part of the GPU fixtures of the runtime, which add it as
// a base next to ::testing::Test.
#pragma once

#include <vram_only/vram_only.hpp>

#include "../runtime/test_support.hpp"

namespace vram_only::gpu_testing {

struct RealDriverTracker {
  testing::CapturingSink log;
  VramTracker tracker{make_options()};

 private:
  TrackerOptions make_options() {
    TrackerOptions options;
    options.sink = log.sink();
    return options;
  }
};

}  // namespace vram_only::gpu_testing
