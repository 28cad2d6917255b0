// Launchers of the CUDA kernels of the Qwen2 forward pass (one token at a
// time, decode style). Every launcher enqueues on `stream` and checks the
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

// out[i] = table[token * n_embd + i]
void embedding(Weight table, int32_t token, uint32_t n_embd, float *out, cudaStream_t stream);

// out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]
void rms_norm(const float *x, Weight w, float eps, uint32_t n, float *out, cudaStream_t stream);

// out[r] = sum_c w[r * cols + c] * x[c] + bias[r] + residual[r]; bias.data
// and residual may be null. `out` may equal `residual` (in-place add), never `x`.
void matvec(Weight w, const float *x, Weight bias, const float *residual, uint32_t rows,
            uint32_t cols, float *out, cudaStream_t stream);

// NeoX-style rotary embedding of q (n_head heads) and k (n_head_kv heads) at
// position `pos`: pairs (i, i + head_dim/2) rotate by pos * base^(-2i/head_dim).
void rope_neox(float *q, uint32_t n_head, float *k, uint32_t n_head_kv, uint32_t head_dim,
               uint32_t pos, float freq_base, cudaStream_t stream);

// k_cache[pos * kv_dim + i] = k[i]; v_cache likewise.
void store_kv(const float *k, const float *v, float *k_cache, float *v_cache, uint32_t pos,
              uint32_t kv_dim, cudaStream_t stream);

// Causal attention of one query over the first n_tokens cache entries
// ([token][kv_head][head_dim]); query head h reads KV head h / (n_head / n_head_kv).
// `scores` is scratch of n_head * scores_stride floats (scores_stride >= n_tokens).
void attention(const float *q, const float *k_cache, const float *v_cache, uint32_t n_tokens,
               uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *scores,
               uint32_t scores_stride, float *out, cudaStream_t stream);

// out[i] = silu(gate[i]) * up[i]
void swiglu(const float *gate, const float *up, uint32_t n, float *out, cudaStream_t stream);

// *out = index of the largest value (the lowest index among equals).
void argmax(const float *values, uint32_t n, int32_t *out, cudaStream_t stream);

} // namespace worker::kernels
