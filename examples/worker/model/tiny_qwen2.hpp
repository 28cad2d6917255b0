// The test fixture: a tiny Qwen2-architecture model with random weights from
// a fixed seed, in the GGUF layout of real Qwen2 files (qwen2.* keys, a
// byte-level BPE vocabulary, biased Q/K/V, grouped-query attention). It mixes
// F32 and F16 tensors: norms and biases are F32; the matrices of even layers'
// attention and odd layers' MLP are F16, the rest F32; token_embd is F16 and
// output F32. Written at test time; no binary model is committed.
#pragma once

#include "gguf/gguf_writer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace worker::model {

struct TinyQwen2Options {
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
};

// The tokenizer vocabulary: 256 byte symbols, a few merges, 3 control tokens.
struct TinyVocab {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  int32_t eos_id;
};
TinyVocab tiny_vocab();

// Builds the model in a GGUF writer (call write() on the result).
gguf::Writer make_tiny_qwen2(const TinyQwen2Options &options);

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
