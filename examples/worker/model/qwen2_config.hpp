// The hyperparameters of a Qwen2-architecture model, read from GGUF
// metadata (general.architecture = "qwen2", qwen2.* keys) and validated.
#pragma once

#include "gguf/gguf_file.hpp"

#include <cstdint>
#include <string>

namespace worker::model {

struct Qwen2Config {
  std::string name;          // general.name, or the file name if absent
  uint32_t n_vocab = 0;      // rows of token_embd.weight
  uint32_t n_embd = 0;       // qwen2.embedding_length
  uint32_t n_layer = 0;      // qwen2.block_count
  uint32_t n_head = 0;       // qwen2.attention.head_count
  uint32_t n_head_kv = 0;    // qwen2.attention.head_count_kv (defaults to n_head)
  uint32_t head_dim = 0;     // n_embd / n_head
  uint32_t n_ff = 0;         // qwen2.feed_forward_length
  uint32_t n_ctx_train = 0;  // qwen2.context_length
  float rope_freq_base = 10000.0f; // qwen2.rope.freq_base (default 10000)
  float rms_eps = 1e-6f;     // qwen2.attention.layer_norm_rms_epsilon

  uint32_t q_dim() const { return n_head * head_dim; }
  uint32_t kv_dim() const { return n_head_kv * head_dim; }

  // Reads and validates the configuration. Throws ModelError naming the key.
  static Qwen2Config from_gguf(const gguf::File &file);
};

// The metadata keys, so that the writer and the reader agree.
namespace keys {
inline constexpr const char *kArchitecture = "general.architecture";
inline constexpr const char *kName = "general.name";
inline constexpr const char *kContextLength = "qwen2.context_length";
inline constexpr const char *kEmbeddingLength = "qwen2.embedding_length";
inline constexpr const char *kBlockCount = "qwen2.block_count";
inline constexpr const char *kFeedForwardLength = "qwen2.feed_forward_length";
inline constexpr const char *kHeadCount = "qwen2.attention.head_count";
inline constexpr const char *kHeadCountKv = "qwen2.attention.head_count_kv";
inline constexpr const char *kRopeFreqBase = "qwen2.rope.freq_base";
inline constexpr const char *kRmsEpsilon = "qwen2.attention.layer_norm_rms_epsilon";
inline constexpr const char *kKeyLength = "qwen2.attention.key_length";
inline constexpr const char *kValueLength = "qwen2.attention.value_length";
inline constexpr const char *kTokenizerModel = "tokenizer.ggml.model";
inline constexpr const char *kTokenizerPre = "tokenizer.ggml.pre";
inline constexpr const char *kTokens = "tokenizer.ggml.tokens";
inline constexpr const char *kTokenTypes = "tokenizer.ggml.token_type";
inline constexpr const char *kMerges = "tokenizer.ggml.merges";
inline constexpr const char *kBosTokenId = "tokenizer.ggml.bos_token_id";
inline constexpr const char *kEosTokenId = "tokenizer.ggml.eos_token_id";
inline constexpr const char *kPaddingTokenId = "tokenizer.ggml.padding_token_id";
} // namespace keys

} // namespace worker::model
