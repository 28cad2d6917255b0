// The Qwen2 model description: hyperparameters from metadata, the tensor
// layout check, and the tiny fixture that tests run on.
#include "gguf/gguf_file.hpp"
#include "gguf_test_util.hpp"
#include "model/model_error.hpp"
#include "model/qwen2_config.hpp"
#include "model/qwen2_layout.hpp"
#include "model/tiny_qwen2.hpp"
#include "model/tokenizer.hpp"

#include <gtest/gtest.h>

namespace worker::model {
namespace {

using gguf::Value;

gguf::File tiny_file(const TinyQwen2Options &options = {}) {
  return test::parse_bytes(make_tiny_qwen2(options).to_bytes(), "tiny.gguf");
}

// The tiny model's writer with one metadata entry replaced (or dropped when
// `value` is null) or one tensor replaced.
gguf::Writer modified(const std::string &key, const Value *value,
                      const std::string &tensor = {}, gguf::TensorType type = gguf::TensorType::F32,
                      std::vector<uint64_t> dims = {}) {
  const gguf::Writer base = make_tiny_qwen2({});
  gguf::Writer w;
  for (const auto &entry : base.metadata()) {
    if (entry.key != key) {
      w.add_metadata(entry.key, entry.value);
    } else if (value != nullptr) {
      w.add_metadata(entry.key, *value);
    }
  }
  for (const auto &t : base.tensors()) {
    if (t.name != tensor) {
      w.add_tensor(t.name, t.type, t.dims, t.data);
      continue;
    }
    const auto traits = gguf::tensor_type_traits(static_cast<uint32_t>(type));
    uint64_t n = 1;
    for (uint64_t d : dims) n *= d;
    w.add_tensor(t.name, type, dims, std::vector<uint8_t>(n / traits->block_elements * traits->block_bytes));
  }
  return w;
}

std::string model_error(const gguf::Writer &w) {
  const gguf::File file = test::parse_bytes(w.to_bytes(), "tiny.gguf");
  try {
    const Qwen2Config config = Qwen2Config::from_gguf(file);
    validate_qwen2_tensors(file, config);
  } catch (const ModelError &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Qwen2Config, ReadsTheTinyModel) {
  const gguf::File file = tiny_file();
  const Qwen2Config c = Qwen2Config::from_gguf(file);
  EXPECT_EQ(c.name, "tiny-qwen2");
  EXPECT_EQ(c.n_vocab, 269u);
  EXPECT_EQ(c.n_embd, 64u);
  EXPECT_EQ(c.n_layer, 2u);
  EXPECT_EQ(c.n_head, 4u);
  EXPECT_EQ(c.n_head_kv, 2u);
  EXPECT_EQ(c.head_dim, 16u);
  EXPECT_EQ(c.kv_dim(), 32u);
  EXPECT_EQ(c.n_ff, 176u);
  EXPECT_EQ(c.n_ctx_train, 256u);
  EXPECT_EQ(c.rope_freq_base, 1000000.0f);
  EXPECT_EQ(c.rms_eps, 1e-6f);
  EXPECT_TRUE(validate_qwen2_tensors(file, c).empty());
  EXPECT_FALSE(qwen2_output_is_tied(file));
}

TEST(Qwen2Config, TiedOutputLeavesOutTheHead) {
  TinyQwen2Options options;
  options.tied_output = true;
  const gguf::File file = tiny_file(options);
  EXPECT_TRUE(qwen2_output_is_tied(file));
  EXPECT_EQ(file.find_tensor("output.weight"), nullptr);
  EXPECT_TRUE(validate_qwen2_tensors(file, Qwen2Config::from_gguf(file)).empty());
}

TEST(Qwen2Config, FixtureMixesF32AndF16) {
  const gguf::File file = tiny_file();
  EXPECT_EQ(file.find_tensor("token_embd.weight")->type(), gguf::TensorType::F16);
  EXPECT_EQ(file.find_tensor("output.weight")->type(), gguf::TensorType::F32);
  EXPECT_EQ(file.find_tensor("blk.0.attn_q.weight")->type(), gguf::TensorType::F16);
  EXPECT_EQ(file.find_tensor("blk.0.ffn_up.weight")->type(), gguf::TensorType::F32);
  EXPECT_EQ(file.find_tensor("blk.1.attn_q.weight")->type(), gguf::TensorType::F32);
  EXPECT_EQ(file.find_tensor("blk.1.ffn_up.weight")->type(), gguf::TensorType::F16);
  EXPECT_EQ(file.find_tensor("blk.1.attn_q.bias")->type(), gguf::TensorType::F32);
  EXPECT_EQ(file.tensors().size(), 3u + 12u * 2u);
}

TEST(Qwen2Config, FixtureIsDeterministicAndSeedDependent) {
  EXPECT_EQ(make_tiny_qwen2({}).to_bytes(), make_tiny_qwen2({}).to_bytes());
  TinyQwen2Options other;
  other.seed = 7;
  EXPECT_NE(make_tiny_qwen2({}).to_bytes(), make_tiny_qwen2(other).to_bytes());
}

TEST(Qwen2Config, RejectsOtherArchitectures) {
  const Value falcon = Value::string("falcon");
  EXPECT_EQ(model_error(modified("general.architecture", &falcon)),
            "unsupported architecture 'falcon' (this worker runs 'qwen2' and 'llama' models)");
  // A 10 MB architecture once made a 41 MB line: a short prefix and the length.
  const Value huge = Value::string(std::string(10u << 20, 'a'));
  EXPECT_EQ(model_error(modified("general.architecture", &huge)),
            "unsupported architecture '" + std::string(64, 'a') +
                "'... (10485760 bytes) (this worker runs 'qwen2' and 'llama' models)");
}

TEST(Qwen2Config, NamesMissingAndMistypedKeys) {
  EXPECT_EQ(model_error(modified("qwen2.block_count", nullptr)), "missing metadata key 'qwen2.block_count'");
  const Value text = Value::string("64");
  EXPECT_EQ(model_error(modified("qwen2.embedding_length", &text)),
            "metadata 'qwen2.embedding_length' is string \"64\", expected a non-negative integer");
  const Value zero = Value::u32(0);
  EXPECT_EQ(model_error(modified("qwen2.attention.head_count", &zero)),
            "metadata 'qwen2.attention.head_count' is 0, expected 1..4294967295");
  const Value three = Value::u32(3);
  EXPECT_EQ(model_error(modified("qwen2.attention.head_count_kv", &three)),
            "qwen2.attention.head_count 4 is not a multiple of qwen2.attention.head_count_kv 3");
  const Value negative_eps = Value::f32(-1.0f);
  EXPECT_EQ(model_error(modified("qwen2.attention.layer_norm_rms_epsilon", &negative_eps)),
            "metadata 'qwen2.attention.layer_norm_rms_epsilon' is float32 -1, expected a positive float");
}

TEST(Qwen2Layout, RejectsWrongShapesTypesAndMissingTensors) {
  EXPECT_EQ(model_error(modified("", nullptr, "blk.1.attn_k.weight", gguf::TensorType::F32, {64, 64})),
            "tensor 'blk.1.attn_k.weight' has shape [64, 64], expected [64, 32] from the model's "
            "hyperparameters");
  EXPECT_EQ(model_error(modified("", nullptr, "blk.0.ffn_up.weight", gguf::TensorType::Q8_0, {64, 176})),
            "tensor 'blk.0.ffn_up.weight' has type Q8_0, which this worker does not support "
            "(supported: F32, F16)");
  EXPECT_EQ(model_error(modified("", nullptr, "token_embd.weight", gguf::TensorType::F16, {32, 269})),
            "tensor 'token_embd.weight' has shape [32, 269], expected [64, n_vocab]");
}

TEST(Qwen2Layout, ListsTensorsTheForwardPassDoesNotRead) {
  gguf::Writer w = make_tiny_qwen2({});
  w.add_tensor("rope_freqs.weight", gguf::TensorType::F32, {8}, std::vector<uint8_t>(32));
  const gguf::File file = test::parse_bytes(w.to_bytes());
  EXPECT_EQ(validate_qwen2_tensors(file, Qwen2Config::from_gguf(file)),
            std::vector<std::string>{"rope_freqs.weight"});
}

TEST(Qwen2Tokenizer, ReadsTheTinyVocabulary) {
  const gguf::File file = tiny_file();
  const Tokenizer t = Tokenizer::from_gguf(file, 269);
  EXPECT_EQ(t.size(), 269u);
  EXPECT_EQ(t.eos(), 266);
  EXPECT_EQ(t.token(259), "\xc4\xa0the");
  try {
    Tokenizer::from_gguf(file, 300);
    FAIL() << "no error";
  } catch (const ModelError &e) {
    EXPECT_STREQ(e.what(), "tokenizer.ggml.tokens has 269 tokens, but token_embd.weight has 300 rows");
  }
  const Value bert = Value::string("bert");
  const gguf::File other = test::parse_bytes(modified("tokenizer.ggml.model", &bert).to_bytes());
  try {
    Tokenizer::from_gguf(other, 269);
    FAIL() << "no error";
  } catch (const ModelError &e) {
    EXPECT_STREQ(e.what(), "unsupported tokenizer 'bert' (this worker implements tokenizer.ggml.model = 'gpt2' "
                           "(byte-level BPE) and 'llama' (SentencePiece))");
  }
}

} // namespace
} // namespace worker::model
