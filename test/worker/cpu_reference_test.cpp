// The CPU reference forward pass: each building block against values worked
// out by hand, and the whole model on the tiny fixture.
#include "gguf_test_util.hpp"
#include "model/cpu_reference.hpp"
#include "model/tiny_qwen2.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace worker::model {
namespace {

using namespace reference;

TEST(CpuReference, RmsNorm) {
  const float x[] = {3.0f, 4.0f}, w[] = {1.0f, 2.0f};
  float out[2];
  rms_norm(x, w, 0.0f, 2, out); // rms = sqrt(12.5)
  EXPECT_FLOAT_EQ(out[0], 3.0f / std::sqrt(12.5f));
  EXPECT_FLOAT_EQ(out[1], 8.0f / std::sqrt(12.5f));
  rms_norm(x, w, 87.5f, 2, out); // rms = sqrt(12.5 + 87.5) = 10
  EXPECT_FLOAT_EQ(out[0], 0.3f);
  EXPECT_FLOAT_EQ(out[1], 0.8f);
}

TEST(CpuReference, MatvecWithAndWithoutBias) {
  const float w[] = {1, 2, 3, 4, 5, 6}; // 2 rows x 3 columns
  const float x[] = {1, -1, 2}, b[] = {0.5f, -1.0f};
  float out[2];
  matvec(w, x, nullptr, 2, 3, out);
  EXPECT_EQ(out[0], 5.0f);  // 1 - 2 + 6
  EXPECT_EQ(out[1], 11.0f); // 4 - 5 + 12
  matvec(w, x, b, 2, 3, out);
  EXPECT_EQ(out[0], 5.5f);
  EXPECT_EQ(out[1], 10.0f);
}

TEST(CpuReference, RopeNeoxRotatesHalfPairs) {
  float v[] = {1, 2, 3, 4, 5, 6, 7, 8}; // 2 heads of 4
  rope_neox(v, 2, 4, 0, 100.0f);
  EXPECT_EQ(v[0], 1.0f); // position 0: identity
  EXPECT_EQ(v[7], 8.0f);
  rope_neox(v, 2, 4, 2, 100.0f);
  // pair (0, 2) by 2 rad, pair (1, 3) by 2 * 100^(-1/2) = 0.2 rad, per head.
  EXPECT_NEAR(v[0], 1 * std::cos(2.0) - 3 * std::sin(2.0), 1e-6);
  EXPECT_NEAR(v[2], 1 * std::sin(2.0) + 3 * std::cos(2.0), 1e-6);
  EXPECT_NEAR(v[1], 2 * std::cos(0.2) - 4 * std::sin(0.2), 1e-6);
  EXPECT_NEAR(v[3], 2 * std::sin(0.2) + 4 * std::cos(0.2), 1e-6);
  EXPECT_NEAR(v[4], 5 * std::cos(2.0) - 7 * std::sin(2.0), 1e-6);
  EXPECT_NEAR(v[7], 6 * std::sin(0.2) + 8 * std::cos(0.2), 1e-6);
}

TEST(CpuReference, AttentionWeighsValuesBySoftmaxAndSharesKvHeads) {
  // 4 query heads, 2 KV heads, head_dim 2, 2 cached tokens.
  // Layout [token][kv_head][dim].
  const float k[] = {1, 0, 0, 1, /* token 1 */ 0, 0, 0, 0};
  const float v[] = {1, 2, 10, 20, /* token 1 */ 3, 4, 30, 40};
  const float q[] = {0, 0, 2 * std::sqrt(2.0f), 0, 0, 0, 0, 0};
  float out[8];
  attention(q, k, v, 1, 4, 2, 2, out); // one token: the value itself
  EXPECT_FLOAT_EQ(out[0], 1);
  EXPECT_FLOAT_EQ(out[3], 2);
  EXPECT_FLOAT_EQ(out[4], 10);
  EXPECT_FLOAT_EQ(out[7], 20);
  attention(q, k, v, 2, 4, 2, 2, out);
  // head 0: scores (0, 0) -> mean of values of kv head 0
  EXPECT_FLOAT_EQ(out[0], 2);
  EXPECT_FLOAT_EQ(out[1], 3);
  // head 1 (also kv head 0): scores (2*sqrt2*1/sqrt2 = 2, 0)
  const double p = std::exp(2.0) / (std::exp(2.0) + 1.0);
  EXPECT_NEAR(out[2], p * 1 + (1 - p) * 3, 1e-6);
  EXPECT_NEAR(out[3], p * 2 + (1 - p) * 4, 1e-6);
  // heads 2, 3 use kv head 1 with zero queries: mean of its values
  EXPECT_FLOAT_EQ(out[4], 20);
  EXPECT_FLOAT_EQ(out[7], 30);
}

TEST(CpuReference, SiluAndArgmax) {
  EXPECT_EQ(silu(0.0f), 0.0f);
  EXPECT_FLOAT_EQ(silu(1.0f), 0.7310586f);
  EXPECT_FLOAT_EQ(silu(-2.0f), -0.23840584f);
  const float v[] = {1, 5, 3, 5, -1};
  EXPECT_EQ(argmax(v, 5), 1); // the lowest index among equals
}

gguf::File write_tiny(test::TempFile &tmp, const TinyQwen2Options &options = {}) {
  make_tiny_qwen2(options).write(tmp.path());
  return gguf::File::open(tmp.path());
}

TEST(CpuQwen2, ForwardIsDeterministicAndUsesTheContext) {
  test::TempFile tmp(".gguf");
  const gguf::File file = write_tiny(tmp);
  CpuQwen2 a(file, 16), b(file, 16);
  EXPECT_EQ(a.forward(10), b.forward(10));
  const std::vector<float> after_10_20 = a.forward(20);
  EXPECT_EQ(a.position(), 2);
  b.reset();
  b.forward(11);
  EXPECT_NE(b.forward(20), after_10_20); // same token and position, other history
  for (float logit : after_10_20) {
    ASSERT_TRUE(std::isfinite(logit));
  }
  EXPECT_EQ(after_10_20.size(), 269u);
}

TEST(CpuQwen2, GreedyTokensHaveClearMargins) {
  // The fixture is made so that greedy choices are clear: the GPU test
  // compares tokens exactly, which needs margins far above float error.
  test::TempFile tmp(".gguf");
  const gguf::File file = write_tiny(tmp);
  CpuQwen2 model(file, 64);
  int32_t token = 'H';
  for (int i = 0; i < 20; ++i) {
    const std::vector<float> &logits = model.forward(token);
    std::vector<float> sorted = logits;
    std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
    EXPECT_GT(sorted[0] - sorted[1], 1e-3f) << "step " << i;
    token = argmax(logits.data(), logits.size());
  }
}

TEST(CpuQwen2, TiedAndAllF32VariantsRun) {
  for (int variant = 0; variant < 2; ++variant) {
    TinyQwen2Options options;
    options.tied_output = variant == 0;
    options.all_f32 = variant == 1;
    test::TempFile tmp(".gguf");
    const gguf::File file = write_tiny(tmp, options);
    CpuQwen2 model(file, 4);
    EXPECT_EQ(model.forward(1).size(), 269u);
  }
}

TEST(CpuQwen2, RefusesTokensOutsideTheVocabularyAndAFullCache) {
  test::TempFile tmp(".gguf");
  const gguf::File file = write_tiny(tmp);
  CpuQwen2 model(file, 2);
  EXPECT_THROW(model.forward(269), std::out_of_range);
  EXPECT_THROW(model.forward(-1), std::out_of_range);
  model.forward(1);
  model.forward(2);
  try {
    model.forward(3);
    FAIL() << "no error";
  } catch (const std::out_of_range &e) {
    EXPECT_STREQ(e.what(), "the KV cache is full (2 tokens)");
  }
}

} // namespace
} // namespace worker::model
