// Launchers of the CUDA kernels of the qwen2/llama forward pass, for a batch
// of tokens (prefill) or one (decode). Every launcher enqueues on `stream` and checks the
// launch (throws worker::kernels::CudaError); none allocates memory.
// Weights are F32 or F16; activations and the KV cache are F32. Reductions
// run in a fixed order, so results are deterministic run to run.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace worker::kernels {

class CudaError : public std::runtime_error {
public:
  CudaError(cudaError_t code, const std::string &what)
      : std::runtime_error(what + ": " + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")"),
        code_(code) {}
  cudaError_t code() const noexcept { return code_; }

private:
  cudaError_t code_;
};

// Throws CudaError when `code` is not cudaSuccess.
inline void check(cudaError_t code, const char *what) {
  if (code != cudaSuccess) {
    throw CudaError(code, what);
  }
}

enum class DType : uint8_t { F32, F16 };

// A weight tensor on the device: its data and element type.
struct Weight {
  const void *data = nullptr;
  DType type = DType::F32;
};

// Activations are row-major [n_tokens][width]: row t is token t of a batch.

// out[t][i] = table[tokens[t]][i]; `tokens` is in device memory.
void embedding(Weight table, const int32_t *tokens, uint32_t n_tokens, uint32_t n_embd, float *out,
               cudaStream_t stream);

// Each of `rows` rows: out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]
void rms_norm(const float *x, Weight w, float eps, uint32_t n, uint32_t rows, float *out, cudaStream_t stream);

// out[r] = sum_c w[r * cols + c] * x[c] + bias[r] + residual[r]; bias.data
// and residual may be null. `out` may equal `residual` (in-place add), never `x`.
void matvec(Weight w, const float *x, Weight bias, const float *residual, uint32_t rows,
            uint32_t cols, float *out, cudaStream_t stream);

// A linear layer over a batch: out[t][r] = sum_c w[r][c] * x[t][c] + bias[r]
// + residual[t][r] for t < n_tokens (x is [n_tokens][cols], out and residual
// [n_tokens][rows]). One token runs matvec; more run a tiled matrix-matrix
// kernel (each weight tile is read once per 64 tokens). Same aliasing rules.
void linear(Weight w, const float *x, uint32_t n_tokens, Weight bias, const float *residual, uint32_t rows,
            uint32_t cols, float *out, cudaStream_t stream);

enum class RopeStyle : uint8_t {
  Neox,   // pairs (i, i + head_dim/2): qwen2
  Normal, // pairs (2i, 2i + 1): llama
};

// Rotary embedding of q ([n_tokens][n_head][head_dim]) and k
// ([n_tokens][n_head_kv][head_dim]); token t is at position pos0 + t and its
// pair i rotates by (pos0 + t) * freq_scale * freq_base^(-2i/head_dim).
void rope(float *q, uint32_t n_head, float *k, uint32_t n_head_kv, uint32_t head_dim, uint32_t n_tokens,
          uint32_t pos0, float freq_base, float freq_scale, RopeStyle style, cudaStream_t stream);

// k_cache[(pos0 + t) * kv_dim + i] = k[t * kv_dim + i] for t < n_tokens; v likewise.
void store_kv(const float *k, const float *v, float *k_cache, float *v_cache, uint32_t pos0, uint32_t n_tokens,
              uint32_t kv_dim, cudaStream_t stream);

// Causal attention of one query over the first n_tokens cache entries
// ([token][kv_head][head_dim]); query head h reads KV head h / (n_head / n_head_kv).
// `scores` is scratch of n_head * scores_stride floats (scores_stride >= n_tokens).
void attention(const float *q, const float *k_cache, const float *v_cache, uint32_t n_tokens,
               uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *scores,
               uint32_t scores_stride, float *out, cudaStream_t stream);

// Causal attention of a batch: query t (q is [n_tokens][n_head][head_dim]) is
// at position pos0 + t and attends to cache entries 0..pos0 + t, one warp per
// (token, head) with a running softmax (no scratch). head_dim at most
// kMaxBatchHeadDim.
inline constexpr uint32_t kMaxBatchHeadDim = 256;
void attention_batch(const float *q, const float *k_cache, const float *v_cache, uint32_t pos0, uint32_t n_tokens,
                     uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *out, cudaStream_t stream);

// out[i] = silu(gate[i]) * up[i]
void swiglu(const float *gate, const float *up, uint32_t n, float *out, cudaStream_t stream);

// *out = index of the largest value (the lowest index among equals).
void argmax(const float *values, uint32_t n, int32_t *out, cudaStream_t stream);

} // namespace worker::kernels
