// A plain C++ forward pass of the qwen2/llama decoder: the reference that the CUDA
// worker's logits and tokens are compared with. Every weight is converted to
// float once; sums accumulate in double so that the reference is the more
// exact of the two.
//
// Thread-safety: a CpuQwen2 is used by one thread at a time.
#pragma once

#include "gguf/gguf_file.hpp"
#include "model/qwen2_config.hpp"
#include "model/qwen2_layout.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace worker::model {

namespace reference {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]
void rms_norm(const float *x, const float *w, float eps, size_t n, float *out);
// out[r] = sum_c W[r * cols + c] * x[c] (+ bias[r] when bias != nullptr)
void matvec(const float *w, const float *x, const float *bias, size_t rows, size_t cols, float *out);
// NeoX-style rotary embedding (Qwen2): for each head, pairs (i, i + d/2) are
// rotated by pos * base^(-2i/d).
void rope_neox(float *heads, uint32_t n_heads, uint32_t head_dim, uint32_t pos, float base,
               float freq_scale = 1.0f);
// "Normal" rotary embedding (llama): pairs (2i, 2i + 1) rotate by the same angles.
void rope_normal(float *heads, uint32_t n_heads, uint32_t head_dim, uint32_t pos, float base,
                 float freq_scale = 1.0f);
// Causal attention of one query (n_head heads) over n_tokens cached keys and
// values laid out [token][kv_head][head_dim]; grouped-query heads share KV.
void attention(const float *q, const float *k_cache, const float *v_cache, uint32_t n_tokens,
               uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *out);
float silu(float x);
// Index of the largest value; the lowest index among equal values.
int32_t argmax(const float *values, size_t n);

} // namespace reference

class CpuQwen2 {
public:
  // Reads and converts every weight of `file` (which must pass
  // validate_qwen2_tensors). n_ctx: tokens the KV cache holds.
  CpuQwen2(const gguf::File &file, uint32_t n_ctx);

  // Runs one token at position(), appends its K/V to the cache, returns the
  // logits of the next token. Throws std::out_of_range when the cache is full
  // or the token id is not in the vocabulary.
  const std::vector<float> &forward(int32_t token);
  int32_t position() const { return position_; }
  void reset() { position_ = 0; }
  const Qwen2Config &config() const { return config_; }
  // The cached keys / values of a layer, [n_ctx][n_head_kv * head_dim].
  const std::vector<float> &k_cache(uint32_t layer) const { return k_cache_.at(layer); }
  const std::vector<float> &v_cache(uint32_t layer) const { return v_cache_.at(layer); }

private:
  using HostTensor = std::shared_ptr<const std::vector<float>>;
  Qwen2Config config_;
  uint32_t n_ctx_;
  Qwen2Weights<HostTensor> weights_;
  std::vector<std::vector<float>> k_cache_, v_cache_; // per layer [n_ctx][kv_dim]
  std::vector<float> x_, xn_, q_, k_, v_, att_, gate_, up_, logits_;
  int32_t position_ = 0;
};

// Converts an F32 or F16 tensor's bytes to floats.
std::vector<float> tensor_to_floats(const gguf::TensorInfo &tensor, const std::vector<uint8_t> &bytes);

} // namespace worker::model
