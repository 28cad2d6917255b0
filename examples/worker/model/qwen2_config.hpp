// The hyperparameters of a decoder this worker runs, read from GGUF metadata
// and validated: general.architecture "qwen2" or "llama" and the
// <arch>.* keys that llama.cpp reads for them, with llama.cpp's defaults
// (src/llama-model.cpp, load_hparams): rope.freq_base 10000, head_count_kv =
// head_count, key/value length and rope.dimension_count = embedding_length /
// head_count. The two architectures share one decoder; they differ in
//   - RoPE: qwen2 rotates pairs (i, i + head_dim/2) ("NeoX"), llama pairs
//     (2i, 2i + 1) ("normal"), as llama.cpp's llama_model_rope_type says;
//   - Q/K/V biases: qwen2 files carry them; llama files may (used if present).
// What llama.cpp would apply but this worker does not implement (RoPE
// scaling, a partial rotary dimension, experts) is refused, naming the key.
#pragma once

#include "gguf/gguf_file.hpp"

#include <cstdint>
#include <string>

namespace worker::model {

enum class Architecture { Qwen2, Llama };
// Which head values RoPE rotates together.
enum class RopeStyle {
  Neox,   // (i, i + head_dim/2): qwen2
  Normal, // (2i, 2i + 1): llama
};

const char *to_string(Architecture arch) noexcept;

struct Qwen2Config {
  Architecture arch = Architecture::Qwen2;
  RopeStyle rope_style = RopeStyle::Neox;
  bool qkv_bias = true;      // blk.N.attn_{q,k,v}.bias are read
  std::string name;          // general.name, or the file name if absent
  uint32_t n_vocab = 0;      // rows of token_embd.weight
  uint32_t n_embd = 0;       // <arch>.embedding_length
  uint32_t n_layer = 0;      // <arch>.block_count
  uint32_t n_head = 0;       // <arch>.attention.head_count
  uint32_t n_head_kv = 0;    // <arch>.attention.head_count_kv (defaults to n_head)
  uint32_t head_dim = 0;     // n_embd / n_head
  uint32_t n_ff = 0;         // <arch>.feed_forward_length
  uint32_t n_ctx_train = 0;  // <arch>.context_length
  float rope_freq_base = 10000.0f; // <arch>.rope.freq_base (default 10000)
  // Positions are multiplied by this: 1 / <arch>.rope.scaling.factor when
  // <arch>.rope.scaling.type is "linear" (llama.cpp's default type), else 1.
  float rope_freq_scale = 1.0f;
  float rms_eps = 1e-6f;     // <arch>.attention.layer_norm_rms_epsilon (required)

  uint32_t q_dim() const { return n_head * head_dim; }
  uint32_t kv_dim() const { return n_head_kv * head_dim; }
  // "qwen2" or "llama": the prefix of the metadata keys.
  const char *arch_name() const { return to_string(arch); }

  // Reads and validates the configuration. Throws ModelError naming the key.
  static Qwen2Config from_gguf(const gguf::File &file);
};

// The decoder configuration under a name that says what it is (qwen2 and llama).
using ModelConfig = Qwen2Config;

// "<arch>.<suffix>", e.g. arch_key("llama", "context_length").
std::string arch_key(const std::string &arch, const char *suffix);

// The metadata keys, so that the writer and the reader agree.
namespace keys {
inline constexpr const char *kArchitecture = "general.architecture";
inline constexpr const char *kName = "general.name";
// Suffixes of the <arch>.* keys (arch_key(arch, suffix::kX)).
namespace suffix {
inline constexpr const char *kContextLength = "context_length";
inline constexpr const char *kEmbeddingLength = "embedding_length";
inline constexpr const char *kBlockCount = "block_count";
inline constexpr const char *kFeedForwardLength = "feed_forward_length";
inline constexpr const char *kHeadCount = "attention.head_count";
inline constexpr const char *kHeadCountKv = "attention.head_count_kv";
inline constexpr const char *kRopeFreqBase = "rope.freq_base";
inline constexpr const char *kRmsEpsilon = "attention.layer_norm_rms_epsilon";
inline constexpr const char *kKeyLength = "attention.key_length";
inline constexpr const char *kValueLength = "attention.value_length";
inline constexpr const char *kRopeDimensionCount = "rope.dimension_count";
inline constexpr const char *kRopeScalingType = "rope.scaling.type";
inline constexpr const char *kRopeScalingFactor = "rope.scaling.factor";
inline constexpr const char *kRopeScaleLinear = "rope.scale_linear";
inline constexpr const char *kExpertCount = "expert_count";
} // namespace suffix
inline constexpr const char *kTokenizerModel = "tokenizer.ggml.model";
inline constexpr const char *kTokenizerPre = "tokenizer.ggml.pre";
inline constexpr const char *kTokens = "tokenizer.ggml.tokens";
inline constexpr const char *kTokenTypes = "tokenizer.ggml.token_type";
inline constexpr const char *kScores = "tokenizer.ggml.scores";
inline constexpr const char *kMerges = "tokenizer.ggml.merges";
inline constexpr const char *kBosTokenId = "tokenizer.ggml.bos_token_id";
inline constexpr const char *kEosTokenId = "tokenizer.ggml.eos_token_id";
inline constexpr const char *kUnknownTokenId = "tokenizer.ggml.unknown_token_id";
inline constexpr const char *kPaddingTokenId = "tokenizer.ggml.padding_token_id";
inline constexpr const char *kAddBosToken = "tokenizer.ggml.add_bos_token";
inline constexpr const char *kAddSpacePrefix = "tokenizer.ggml.add_space_prefix";
} // namespace keys

} // namespace worker::model
