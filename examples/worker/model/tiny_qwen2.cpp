#include "model/tiny_qwen2.hpp"
#include "model/half.hpp"
#include "model/model_error.hpp"
#include "model/qwen2_config.hpp"
#include "model/qwen2_layout.hpp"
#include "model/tokenizer.hpp"

#include <cmath>
#include <cstring>

namespace worker::model {

TinyVocab tiny_vocab() {
  TinyVocab v;
  for (int b = 0; b < 256; ++b) {
    v.tokens.push_back(Tokenizer::byte_to_symbol(static_cast<uint8_t>(b)));
    v.types.push_back(static_cast<int32_t>(TokenType::Normal));
  }
  // A few English merges; "Ġ" is the byte symbol of a space.
  v.merges = {"Ġ t", "h e", "i n", "Ġt he", "e r", "Ġ a", "o n", "r e", "Ġ s", "a t"};
  for (const std::string &m : v.merges) {
    const size_t space = m.find(' ');
    v.tokens.push_back(m.substr(0, space) + m.substr(space + 1));
    v.types.push_back(static_cast<int32_t>(TokenType::Normal));
  }
  for (const char *special : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
    v.tokens.push_back(special);
    v.types.push_back(static_cast<int32_t>(TokenType::Control));
  }
  v.eos_id = 256 + static_cast<int32_t>(v.merges.size());
  return v;
}

namespace {

std::vector<uint8_t> encode(const std::vector<float> &values, gguf::TensorType type) {
  std::vector<uint8_t> bytes;
  if (type == gguf::TensorType::F32) {
    bytes.resize(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
  } else {
    bytes.resize(values.size() * 2);
    for (size_t i = 0; i < values.size(); ++i) {
      const uint16_t h = float_to_half(values[i]);
      std::memcpy(bytes.data() + 2 * i, &h, 2);
    }
  }
  return bytes;
}

} // namespace

gguf::Writer make_tiny_qwen2(const TinyQwen2Options &o) {
  if (o.n_head == 0 || o.n_head_kv == 0 || o.n_embd % o.n_head != 0 || (o.n_embd / o.n_head) % 2 != 0 ||
      o.n_head % o.n_head_kv != 0 || o.n_layer == 0 || o.n_ff == 0 || o.n_ctx == 0) {
    throw ModelError("tiny model: inconsistent hyperparameters");
  }
  using gguf::Value;
  const TinyVocab vocab = tiny_vocab();
  gguf::Writer w;
  w.add_metadata(keys::kArchitecture, Value::string("qwen2"));
  if (o.alignment != 0) {
    w.add_metadata(std::string(gguf::kAlignmentKey), Value::u32(o.alignment));
  }
  w.add_metadata(keys::kName, Value::string("tiny-qwen2"));
  w.add_metadata("general.file_type", Value::u32(o.all_f32 ? 0 : 1));
  w.add_metadata(keys::kBlockCount, Value::u32(o.n_layer));
  w.add_metadata(keys::kContextLength, Value::u32(o.n_ctx));
  w.add_metadata(keys::kEmbeddingLength, Value::u32(o.n_embd));
  w.add_metadata(keys::kFeedForwardLength, Value::u32(o.n_ff));
  w.add_metadata(keys::kHeadCount, Value::u32(o.n_head));
  w.add_metadata(keys::kHeadCountKv, Value::u32(o.n_head_kv));
  w.add_metadata(keys::kRopeFreqBase, Value::f32(o.rope_freq_base));
  w.add_metadata(keys::kRmsEpsilon, Value::f32(o.rms_eps));
  w.add_metadata(keys::kTokenizerModel, Value::string("gpt2"));
  w.add_metadata(keys::kTokenizerPre, Value::string("qwen2"));
  w.add_metadata(keys::kTokens, Value::string_array(vocab.tokens));
  w.add_metadata(keys::kTokenTypes, Value::i32_array(vocab.types));
  w.add_metadata(keys::kMerges, Value::string_array(vocab.merges));
  w.add_metadata(keys::kEosTokenId, Value::u32(static_cast<uint32_t>(vocab.eos_id)));
  w.add_metadata(keys::kPaddingTokenId, Value::u32(static_cast<uint32_t>(vocab.eos_id)));
  w.add_metadata(keys::kBosTokenId, Value::u32(static_cast<uint32_t>(vocab.eos_id)));
  w.add_metadata("tokenizer.ggml.add_bos_token", Value::boolean(false));

  Qwen2Config c;
  c.n_vocab = static_cast<uint32_t>(vocab.tokens.size());
  c.n_embd = o.n_embd;
  c.n_layer = o.n_layer;
  c.n_head = o.n_head;
  c.n_head_kv = o.n_head_kv;
  c.head_dim = o.n_embd / o.n_head;
  c.n_ff = o.n_ff;

  SplitMix64 rng(o.seed);
  for (const ExpectedTensor &t : qwen2_expected_tensors(c, o.tied_output)) {
    uint64_t n = 1;
    for (uint64_t d : t.dims) {
      n *= d;
    }
    const bool is_vector = t.dims.size() == 1;
    const bool is_norm = t.name.find("norm") != std::string::npos;
    const bool is_bias = t.name.find(".bias") != std::string::npos;
    std::vector<float> values(n);
    if (is_norm) {
      for (auto &v : values) v = 1.0f + rng.uniform(0.125f);
    } else if (is_bias) {
      for (auto &v : values) v = rng.uniform(0.25f);
    } else if (t.name == "token_embd.weight") {
      for (auto &v : values) v = rng.uniform(1.0f);
    } else {
      // Matrices: uniform with variance ~ 1 / fan_in (fan_in = dims[0]),
      // the LM head a little sharper so that greedy choices are clear.
      const float scale = std::sqrt(3.0f / static_cast<float>(t.dims[0])) *
                          (t.name == "output.weight" ? 4.0f : 1.0f);
      for (auto &v : values) v = rng.uniform(scale);
    }
    gguf::TensorType type = gguf::TensorType::F32;
    if (!o.all_f32 && !is_vector) {
      const bool attention = t.name.find(".attn_") != std::string::npos;
      const bool mlp = t.name.find(".ffn_") != std::string::npos;
      const uint32_t layer = (attention || mlp) ? static_cast<uint32_t>(std::stoul(t.name.substr(4))) : 0;
      if (t.name == "token_embd.weight" || (attention && layer % 2 == 0) || (mlp && layer % 2 == 1)) {
        type = gguf::TensorType::F16;
      }
    }
    w.add_tensor(t.name, type, t.dims, encode(values, type));
  }
  return w;
}

} // namespace worker::model
