// The test fixtures: tiny qwen2- and llama-architecture models with random
// weights from a fixed seed, in the GGUF layout of real files.
//  - qwen2: qwen2.* keys, a byte-level BPE vocabulary (pre "qwen2"), biased
//    Q/K/V, grouped-query attention;
//  - llama: llama.* keys, no biases, a SentencePiece vocabulary ("llama":
//    <unk> <s> </s>, 256 <0xXX> byte tokens, pieces with scores) or the BPE
//    one (pre "llama-bpe").
// By default the weights mix F32 and F16: norms and biases are F32; the
// matrices of even layers' attention and odd layers' MLP are F16, the rest
// F32; token_embd is F16 and output F32. all_f32 / all_f16 make every matrix
// one type (norms and biases stay F32, as in llama.cpp's F16 files).
// Deterministic: the same options give the same bytes on every platform
// (SplitMix64, exact float arithmetic). Written at test time; no binary model
// is committed.
#pragma once

#include "gguf/gguf_writer.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace worker::model {

enum class TinyVocabKind { Gpt2, SentencePiece };

struct TinyQwen2Options {
  std::string architecture = "qwen2"; // "qwen2" or "llama"
  TinyVocabKind vocab = TinyVocabKind::Gpt2;
  std::string pre = "qwen2";          // tokenizer.ggml.pre of the gpt2 vocabulary
  uint32_t n_vocab = 0;               // 0: the tiny vocabulary; more: padded with "[pad N]" tokens
  uint64_t seed = 0x5eed;
  uint32_t n_layer = 2;
  uint32_t n_embd = 64;
  uint32_t n_head = 4;
  uint32_t n_head_kv = 2;
  uint32_t n_ff = 176;   // not a multiple of 32: exercises partial warps
  uint32_t n_ctx = 256;
  float rope_freq_base = 1000000.0f;
  float rms_eps = 1e-6f;
  bool tied_output = false; // leave out output.weight (the head reuses token_embd)
  uint32_t alignment = 0;   // 0: leave general.alignment out (32)
  bool all_f32 = false;     // every tensor F32
  bool all_f16 = false;     // every matrix F16 (norms and biases F32)
  // Every 8th row of output.weight 3x larger: the greedy choice is then
  // mostly among those rows, and the top two logits are further apart (clear
  // greedy decisions for the llama.cpp comparison). The presets set it.
  bool sharp_head = false;
};

// The generator's options for any architecture (the name says more).
using TinyModelOptions = TinyQwen2Options;

// The tiny llama model: TinyQwen2Options with architecture "llama" and the
// SentencePiece vocabulary.
TinyModelOptions tiny_llama_options();

// Named models of the llama.cpp comparison (scripts/gpu-llama-golden) and of
// the golden test: qwen2-f32, qwen2-f16, llama-spm-f32, llama-spm-f16,
// llama-bpe-f16, and bench-llama-1b (a 1.1B-parameter llama-shaped F16 model
// for throughput). Empty for an unknown name.
std::optional<TinyModelOptions> tiny_model_preset(const std::string &name);
std::vector<std::string> tiny_model_preset_names();

// FNV-1a 64 of the bytes: how the golden file names the model it was made from.
uint64_t fnv1a64(const std::vector<uint8_t> &bytes);

// The tokenizer vocabulary: 256 byte symbols, a few merges, 3 control tokens.
struct TinyVocab {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  int32_t eos_id;
};
TinyVocab tiny_vocab();

// The SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, "▁",
// printable ASCII characters and a few English pieces with scores.
struct TinySpmVocab {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<float> scores;
};
TinySpmVocab tiny_spm_vocab();

// Builds the model in a GGUF writer (call write() on the result).
gguf::Writer make_tiny_qwen2(const TinyQwen2Options &options);
inline gguf::Writer make_tiny_model(const TinyModelOptions &options) { return make_tiny_qwen2(options); }

// SplitMix64: a fixed, platform-independent random sequence.
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-scale, scale), exactly reproducible (24 random bits).
  float uniform(float scale) {
    const float u = static_cast<float>(next() >> 40) * (1.0f / 16777216.0f);
    return (2.0f * u - 1.0f) * scale;
  }

private:
  uint64_t state_;
};

} // namespace worker::model
