// Call sites: which modules are CUDA's plumbing, the text form, and a lookup
// from ordinary code (the test program itself is the caller here; inside
// libvram_only_attach.so the library's own frames are skipped).
#include <gtest/gtest.h>

#include "call_site.hpp"

namespace vram_only::attach {
namespace {

TEST(CallSite, PlumbingIsCudaAndTheInjectionNotTheCaller) {
  EXPECT_TRUE(is_plumbing("/usr/lib/x86_64-linux-gnu/libcuda.so.1"));
  EXPECT_TRUE(is_plumbing("/usr/local/cuda/lib64/libcupti.so.13"));
  EXPECT_TRUE(is_plumbing("/venv/nvidia/cu13/lib/libcudart.so.13"));
  EXPECT_TRUE(is_plumbing("/work/build/lib/libvram_only_attach.so"));
  EXPECT_TRUE(is_plumbing("/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_FALSE(is_plumbing("/opt/llama/bin/libggml-cuda.so"));
  EXPECT_FALSE(is_plumbing("/venv/torch/lib/libc10_cuda.so"));
  EXPECT_FALSE(is_plumbing("/opt/app/server"));
  EXPECT_FALSE(is_plumbing("/usr/lib/libcudnn.so.9")) << "a library that calls CUDA is a caller";
}

TEST(CallSite, Describe) {
  CallSite unknown;
  EXPECT_EQ(unknown.describe(), "unknown");
  CallSite site;
  site.library = "/opt/llama/libggml-cuda.so";
  site.offset = 0x1a2b;
  EXPECT_EQ(site.describe(), "libggml-cuda.so+0x1a2b");
  site.symbol = "ggml_cuda_host_malloc";
  EXPECT_EQ(site.describe(), "libggml-cuda.so+0x1a2b (ggml_cuda_host_malloc)");
}

TEST(CallSite, FoundFromOrdinaryCodeByUnwinding) {
  const CallSite site = find_call_site();
  ASSERT_TRUE(site.known());
  EXPECT_STREQ(site.method, "unwind");
  EXPECT_NE(site.library.find("vram_only_attach_tests"), std::string::npos) << site.library;
}

}  // namespace
}  // namespace vram_only::attach
