// The llama architecture: configuration keys and defaults as
// llama.cpp reads them, the tensors without biases, what is refused and how
// it is named, the SentencePiece and llama-bpe tokenizers, normal RoPE, and
// the tiny models of the llama.cpp comparison (deterministic, clear greedy
// margins).
#include "gguf/gguf_file.hpp"
#include "gguf_test_util.hpp"
#include "model/cpu_reference.hpp"
#include "model/model_error.hpp"
#include "model/qwen2_config.hpp"
#include "model/qwen2_layout.hpp"
#include "model/tiny_qwen2.hpp"
#include "model/tokenizer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <fstream>

namespace worker::model {
namespace {

using gguf::Value;

gguf::Writer llama_writer(TinyModelOptions o = tiny_llama_options()) { return make_tiny_model(o); }

gguf::File parse(const gguf::Writer &w) { return test::parse_bytes(w.to_bytes(), "tiny-llama.gguf"); }

// `base` with one metadata entry replaced (dropped when `value` is null) or
// added when absent, and tensors appended.
gguf::Writer with_metadata(const gguf::Writer &base, const std::string &key, const Value *value) {
  gguf::Writer w;
  bool seen = false;
  for (const auto &entry : base.metadata()) {
    if (entry.key != key) {
      w.add_metadata(entry.key, entry.value);
    } else {
      seen = true;
      if (value != nullptr) w.add_metadata(entry.key, *value);
    }
  }
  if (!seen && value != nullptr) w.add_metadata(key, *value);
  for (const auto &t : base.tensors()) w.add_tensor(t.name, t.type, t.dims, t.data);
  return w;
}

std::string model_error(const gguf::Writer &w) {
  const gguf::File file = parse(w);
  try {
    const Qwen2Config config = Qwen2Config::from_gguf(file);
    validate_qwen2_tensors(file, config);
    Tokenizer::from_gguf(file, config.n_vocab);
  } catch (const ModelError &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LlamaConfig, ReadsTheTinyLlamaWithLlamaCppsDefaults) {
  const gguf::File file = parse(llama_writer());
  const Qwen2Config c = Qwen2Config::from_gguf(file);
  EXPECT_EQ(c.arch, Architecture::Llama);
  EXPECT_STREQ(c.arch_name(), "llama");
  EXPECT_EQ(c.rope_style, RopeStyle::Normal);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_EQ(c.name, "tiny-llama");
  EXPECT_EQ(c.n_vocab, 402u);
  EXPECT_EQ(c.n_embd, 64u);
  EXPECT_EQ(c.head_dim, 16u);
  EXPECT_EQ(c.rms_eps, 1e-5f);
  EXPECT_EQ(c.rope_freq_base, 10000.0f);
  EXPECT_EQ(c.rope_freq_scale, 1.0f);
  EXPECT_TRUE(validate_qwen2_tensors(file, c).empty());
  EXPECT_EQ(file.find_tensor("blk.0.attn_q.bias"), nullptr);
  EXPECT_EQ(file.tensors().size(), 3u + 9u * 2u);

  // Without rope.freq_base and head_count_kv: 10000 and head_count, as llama.cpp.
  const gguf::Writer bare = with_metadata(with_metadata(llama_writer(), "llama.rope.freq_base", nullptr),
                                          "llama.attention.head_count_kv", nullptr);
  const Qwen2Config d = Qwen2Config::from_gguf(parse(bare));
  EXPECT_EQ(d.rope_freq_base, 10000.0f);
  EXPECT_EQ(d.n_head_kv, d.n_head);
  // Linear RoPE scaling (llama.cpp's default type) with a factor of 4.
  const Value four = Value::f32(4.0f);
  EXPECT_EQ(Qwen2Config::from_gguf(parse(with_metadata(llama_writer(), "llama.rope.scaling.factor", &four)))
                .rope_freq_scale,
            0.25f);
  const Value none = Value::string("none");
  EXPECT_EQ(Qwen2Config::from_gguf(parse(with_metadata(with_metadata(llama_writer(), "llama.rope.scaling.factor",
                                                                     &four),
                                                       "llama.rope.scaling.type", &none)))
                .rope_freq_scale,
            1.0f);
}

TEST(LlamaConfig, UsesQkvBiasesWhenTheFileHasThem) {
  gguf::Writer w = llama_writer();
  for (uint32_t l = 0; l < 2; ++l) {
    w.add_tensor(layer_tensor_name(l, "attn_q.bias"), gguf::TensorType::F32, {64}, std::vector<uint8_t>(256));
    w.add_tensor(layer_tensor_name(l, "attn_k.bias"), gguf::TensorType::F32, {32}, std::vector<uint8_t>(128));
    w.add_tensor(layer_tensor_name(l, "attn_v.bias"), gguf::TensorType::F32, {32}, std::vector<uint8_t>(128));
  }
  const gguf::File file = parse(w);
  const Qwen2Config c = Qwen2Config::from_gguf(file);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_TRUE(validate_qwen2_tensors(file, c).empty());
}

TEST(LlamaConfig, RefusesWhatItCannotRunNamingIt) {
  const Value falcon = Value::string("falcon");
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "general.architecture", &falcon)),
            "unsupported architecture 'falcon' (this worker runs 'qwen2' and 'llama' models)");
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "llama.attention.layer_norm_rms_epsilon", nullptr)),
            "missing metadata key 'llama.attention.layer_norm_rms_epsilon'");
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "llama.context_length", nullptr)),
            "missing metadata key 'llama.context_length'");
  const Value yarn = Value::string("yarn");
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "llama.rope.scaling.type", &yarn)),
            "metadata 'llama.rope.scaling.type' is 'yarn': this worker implements no RoPE scaling but 'linear' "
            "(and 'none')");
  const Value eight = Value::u32(8);
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "llama.rope.dimension_count", &eight)),
            "metadata 'llama.rope.dimension_count' is uint32 8, but this worker needs it to equal embedding_length / "
            "head_count = 16");
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "llama.expert_count", &eight)),
            "metadata 'llama.expert_count' is uint32 8: this worker runs no mixture-of-experts models");
  const Value three = Value::u32(3);
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "llama.attention.head_count_kv", &three)),
            "llama.attention.head_count 4 is not a multiple of llama.attention.head_count_kv 3");

  gguf::Writer freqs = llama_writer();
  freqs.add_tensor("rope_freqs.weight", gguf::TensorType::F32, {8}, std::vector<uint8_t>(32));
  EXPECT_EQ(model_error(freqs),
            "tensor 'rope_freqs.weight' is applied by llama.cpp's llama model, but this worker does not implement it");
  gguf::Writer out_bias = llama_writer();
  out_bias.add_tensor("blk.1.attn_output.bias", gguf::TensorType::F32, {64}, std::vector<uint8_t>(256));
  EXPECT_EQ(model_error(out_bias), "tensor 'blk.1.attn_output.bias' is applied by llama.cpp's llama model, but "
                                   "this worker does not implement it");
  // A tensor nobody reads, quantized: refused, never uploaded under an F32 label.
  gguf::Writer quantized = llama_writer();
  quantized.add_tensor("extra.weight", gguf::TensorType::Q8_0, {32}, std::vector<uint8_t>(34));
  EXPECT_EQ(model_error(quantized),
            "tensor 'extra.weight' has type Q8_0, which this worker does not support (supported: F32, F16)");
  // An unread F32 tensor is still only listed (and uploaded).
  gguf::Writer extra = llama_writer();
  extra.add_tensor("extra.weight", gguf::TensorType::F32, {8}, std::vector<uint8_t>(32));
  const gguf::File file = parse(extra);
  EXPECT_EQ(validate_qwen2_tensors(file, Qwen2Config::from_gguf(file)), std::vector<std::string>{"extra.weight"});
}

TEST(LlamaTokenizer, RefusesUnknownTokenizersAndPreTokenizers) {
  TinyModelOptions bpe = tiny_llama_options();
  bpe.vocab = TinyVocabKind::Gpt2;
  bpe.pre = "llama-bpe";
  const Value gpt4o = Value::string("gpt-4o");
  EXPECT_EQ(model_error(with_metadata(make_tiny_model(bpe), "tokenizer.ggml.pre", &gpt4o)),
            "unsupported pre-tokenizer 'tokenizer.ggml.pre' = 'gpt-4o' (this worker implements qwen2, llama-bpe, "
            "llama3, llama-v3)");
  EXPECT_EQ(model_error(with_metadata(make_tiny_model(bpe), "tokenizer.ggml.pre", nullptr)),
            "missing string metadata 'tokenizer.ggml.pre' (llama.cpp then splits with its 'default' pattern, which "
            "this worker does not implement; known: qwen2, llama-bpe)");
  EXPECT_EQ(model_error(with_metadata(llama_writer(), "tokenizer.ggml.scores", nullptr)),
            "metadata 'tokenizer.ggml.scores' must be a float32 array with one entry per token");
}

Tokenizer spm_tokenizer(const gguf::Writer &w = llama_writer()) {
  const gguf::File file = parse(w);
  return Tokenizer::from_gguf(file, Qwen2Config::from_gguf(file).n_vocab);
}

TEST(LlamaTokenizer, SentencePieceMergesByScoreWithASpacePrefixAndBos) {
  const Tokenizer t = spm_tokenizer();
  EXPECT_EQ(t.kind(), Tokenizer::Kind::SentencePiece);
  EXPECT_TRUE(t.adds_bos());
  EXPECT_EQ(t.bos(), 1);
  EXPECT_EQ(t.eos(), 2);
  EXPECT_EQ(t.token(300), "\xe2\x96\x81He");
  EXPECT_EQ(t.token(304), "\xe2\x96\x81world");
  // "▁Hello▁world": or, ll, ▁w, ▁H, ld, ▁wor, ▁He (score -42 beats ell's -43), ▁world.
  EXPECT_EQ(t.encode("Hello world"), (std::vector<int32_t>{1, 300, 271, 386, 304}));
  EXPECT_EQ(t.decode({300, 271, 386, 304}), " Hello world");
  // Byte fallback: "é" is not a piece; its bytes are <0xC3> <0xA9>.
  EXPECT_EQ(t.encode("\xc3\xa9"), (std::vector<int32_t>{1, 307, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(t.decode({307, 3 + 0xC3, 3 + 0xA9}), " \xc3\xa9");
  // Control tokens match literally; the text after one gets the space prefix again.
  EXPECT_EQ(t.encode("<s>hi"), (std::vector<int32_t>{1, 1, 307, 379, 380}));
  // tokenizer.ggml.add_space_prefix = false and add_bos_token = false.
  const Value no = Value::boolean(false);
  const Tokenizer plain = spm_tokenizer(
      with_metadata(with_metadata(llama_writer(), "tokenizer.ggml.add_space_prefix", &no), "tokenizer.ggml.add_bos_token",
                    &no));
  EXPECT_EQ(plain.encode("the"), (std::vector<int32_t>{'t' + 275, 260}));
}

TEST(LlamaTokenizer, Llama3PreTokenizerGroupsDigitsAndAddsBos) {
  BpePreTokenizer llama3;
  llama3.max_digits = 3;
  llama3.ignore_merges = true;
  using V = std::vector<std::string>;
  EXPECT_EQ(Tokenizer::pre_tokenize("12345 abc", llama3), (V{"123", "45", " abc"}));
  EXPECT_EQ(Tokenizer::pre_tokenize("12345 abc"), (V{"1", "2", "3", "4", "5", " abc"}));
  TinyModelOptions bpe = tiny_llama_options();
  bpe.vocab = TinyVocabKind::Gpt2;
  bpe.pre = "llama-bpe";
  const Tokenizer t = spm_tokenizer(make_tiny_model(bpe));
  EXPECT_EQ(t.kind(), Tokenizer::Kind::Gpt2Bpe);
  EXPECT_TRUE(t.adds_bos());
  EXPECT_EQ(t.encode("the the"), (std::vector<int32_t>{266, 't', 257, 259}));
}

// The forward pass reads every tensor the layout expects (with biases for
// qwen2, without for llama): a handle left out of Qwen2Weights::build would
// silently skip a bias in both the CPU reference and the engine.
TEST(Qwen2Layout, WeightsHandleEveryExpectedTensor) {
  for (const char *preset : {"qwen2-f32", "llama-spm-f32"}) {
    const gguf::File file = parse(make_tiny_model(*tiny_model_preset(preset)));
    const Qwen2Config c = Qwen2Config::from_gguf(file);
    const auto w = Qwen2Weights<std::string>::build(c, false, [](const std::string &name) { return name; });
    std::vector<std::string> handled = {w.token_embd, w.output_norm, w.output};
    for (const auto &l : w.layers) {
      for (const std::string *t : {&l.attn_norm, &l.wq, &l.bq, &l.wk, &l.bk, &l.wv, &l.bv, &l.wo, &l.ffn_norm,
                                   &l.w_gate, &l.w_up, &l.w_down}) {
        if (!t->empty()) handled.push_back(*t);
      }
    }
    std::vector<std::string> expected;
    for (const ExpectedTensor &t : qwen2_expected_tensors(c, false)) expected.push_back(t.name);
    std::sort(handled.begin(), handled.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(handled, expected) << preset;
  }
}

TEST(CpuReference, RopeNormalRotatesAdjacentPairs) {
  std::vector<float> v = {1, 0, 0, 1, 1, 1, 2, 0};
  reference::rope_normal(v.data(), 1, 8, 3, 10000.0f);
  for (uint32_t i = 0; i < 4; ++i) {
    const double theta = 3 * std::pow(10000.0, -2.0 * i / 8);
    const float x0 = std::vector<float>{1, 0, 1, 2}[i], x1 = std::vector<float>{0, 1, 1, 0}[i];
    EXPECT_NEAR(v[2 * i], x0 * std::cos(theta) - x1 * std::sin(theta), 1e-6) << i;
    EXPECT_NEAR(v[2 * i + 1], x0 * std::sin(theta) + x1 * std::cos(theta), 1e-6) << i;
  }
  // freq_scale 0.5 at position 6 equals position 3.
  std::vector<float> w = {1, 0, 0, 1, 1, 1, 2, 0};
  reference::rope_normal(w.data(), 1, 8, 6, 10000.0f, 0.5f);
  for (size_t i = 0; i < 8; ++i) EXPECT_NEAR(w[i], v[i], 1e-6);
}

// ---- the models of the llama.cpp comparison ------------------------------------------

// The FNV-1a 64 of each preset's file: the generator must keep writing the
// bytes the golden file (llama.cpp's output) was made from.
const std::pair<const char *, const char *> kPresetFnv[] = {
    {"qwen2-f32", "c22aa59074a72e09"},     {"qwen2-f16", "ce4c929ff3681623"},
    {"llama-spm-f32", "66e3ba7926bb8176"}, {"llama-spm-f16", "669fc21397754a35"},
    {"llama-bpe-f16", "37a0a67ea9b9260c"},
};

std::string hex(uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, v);
  return text;
}

TEST(GoldenModels, AreDeterministicAndMatchTheGoldenFile) {
  std::ifstream golden_in(std::string(VRAM_ONLY_GOLDEN_DIR) + "/llama_cpp_logits.json");
  nlohmann::json golden;
  if (golden_in.good()) golden = nlohmann::json::parse(golden_in);
  for (const auto &[preset, fnv] : kPresetFnv) {
    const auto options = tiny_model_preset(preset);
    ASSERT_TRUE(options.has_value()) << preset;
    const std::vector<uint8_t> a = make_tiny_model(*options).to_bytes();
    EXPECT_EQ(a, make_tiny_model(*options).to_bytes()) << preset;
    EXPECT_EQ(hex(fnv1a64(a)), fnv) << preset;
    if (!golden.is_null()) {
      for (const auto &c : golden.at("cases")) {
        if (c.at("preset") == preset) EXPECT_EQ(c.at("fnv1a64").get<std::string>(), fnv) << preset;
      }
    }
  }
  EXPECT_FALSE(tiny_model_preset("no-such-preset").has_value());
}

// Greedy decoding of the golden prompts on the CPU reference: the top two
// logits are never close, so that llama.cpp and the worker (whose rounding
// differs) must choose the same tokens.
TEST(GoldenModels, GreedyPathsHaveClearMargins) {
  std::ifstream prompts_in(std::string(VRAM_ONLY_GOLDEN_DIR) + "/prompts.txt");
  std::vector<std::string> prompts;
  for (std::string line; std::getline(prompts_in, line);) {
    if (!line.empty()) prompts.push_back(line);
  }
  ASSERT_EQ(prompts.size(), 3u);
  for (const auto &[preset, fnv] : kPresetFnv) {
    test::TempFile model_file(".gguf");
    model_file.write(make_tiny_model(*tiny_model_preset(preset)).to_bytes());
    const gguf::File file = gguf::File::open(model_file.path());
    const Qwen2Config config = Qwen2Config::from_gguf(file);
    const Tokenizer tokenizer = Tokenizer::from_gguf(file, config.n_vocab);
    for (const std::string &prompt : prompts) {
      const std::vector<int32_t> ids = tokenizer.encode(prompt);
      CpuQwen2 reference(file, static_cast<uint32_t>(ids.size() + 33));
      std::vector<float> logits;
      for (int32_t id : ids) logits = reference.forward(id);
      float smallest = INFINITY;
      for (int step = 0; step < 33; ++step) {
        std::vector<float> sorted = logits;
        std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
        smallest = std::min(smallest, sorted[0] - sorted[1]);
        if (step < 32) logits = reference.forward(reference::argmax(logits.data(), logits.size()));
      }
      EXPECT_GE(smallest, 0.3f) << preset << " \"" << prompt << "\"";
    }
  }
}

// The CPU reference against llama.cpp's golden logits (the GPU test holds the
// engine to the same file): teacher-forced on llama.cpp's tokens, every
// position's top logits within the file's tolerance. Skips until the golden
// file is committed (scripts/gpu-llama-golden writes it).
TEST(GoldenModels, CpuReferenceMatchesLlamaCppGolden) {
  std::ifstream in(std::string(VRAM_ONLY_GOLDEN_DIR) + "/llama_cpp_logits.json");
  if (!in.good()) {
    GTEST_SKIP() << "no test/worker/golden/llama_cpp_logits.json yet (scripts/gpu-llama-golden writes it)";
  }
  const nlohmann::json golden = nlohmann::json::parse(in);
  for (const auto &c : golden.at("cases")) {
    const std::string where = c.at("preset").get<std::string>() + " \"" + c.at("prompt").get<std::string>() + "\"";
    test::TempFile model_file(".gguf");
    model_file.write(make_tiny_model(*tiny_model_preset(c.at("preset"))).to_bytes());
    const gguf::File file = gguf::File::open(model_file.path());
    const Qwen2Config config = Qwen2Config::from_gguf(file);
    const auto prompt = c.at("prompt_tokens").get<std::vector<int32_t>>();
    const auto generated = c.at("generated_tokens").get<std::vector<int32_t>>();
    EXPECT_EQ(Tokenizer::from_gguf(file, config.n_vocab).encode(c.at("prompt").get<std::string>()), prompt) << where;
    const double tolerance = c.at("rel_tolerance").get<double>() * c.at("max_abs_logit").get<double>();
    std::vector<int32_t> sequence = prompt;
    sequence.insert(sequence.end(), generated.begin(), generated.end() - 1);
    CpuQwen2 reference(file, static_cast<uint32_t>(sequence.size()));
    for (size_t i = 0; i < sequence.size(); ++i) {
      const std::vector<float> &logits = reference.forward(sequence[i]);
      for (const auto &entry : c.at("top")[i]) {
        EXPECT_NEAR(logits[entry[0].get<size_t>()], entry[1].get<double>(), tolerance) << where << " position " << i;
      }
      if (i + 1 >= prompt.size()) {
        EXPECT_EQ(reference::argmax(logits.data(), logits.size()), generated[i + 1 - prompt.size()])
            << where << " position " << i;
      }
    }
  }
}

} // namespace
} // namespace worker::model
