// The CUDA decoder of qwen2 and llama models: uploads every tensor of a GGUF
// file to VRAM (tracked, purpose ModelWeights, staged through pageable host
// memory), allocates the KV cache (KvCache, one K and one V buffer per layer,
// sized n_ctx x n_head_kv x head_dim) and the activation buffers
// (Activations, n_batch rows each), checks each through the runtime's
// checked views, and runs greedy decoding: prefill() puts a prompt through
// the model n_batch tokens at a time (matrix-matrix kernels), step() one
// token. The next token is chosen on the device (argmax); a forward pass
// copies the token ids in and that one id out, nothing else.
//
// Nothing is allocated after construction: prefill() and step() only launch
// kernels and make those two small copies.
//
// Thread-safety: one thread drives an engine; the tracker it records into
// may be swept concurrently by a HealthMonitor.
#pragma once

#include "engine/device_buffer.hpp"
#include "gguf/gguf_file.hpp"
#include "kernels/kernels.hpp"
#include "model/qwen2_config.hpp"
#include "model/qwen2_layout.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace worker::engine {

struct EngineOptions {
  uint32_t n_ctx = 0;           // tokens in the KV cache; 0: the model's context length
  uint32_t n_batch = 0;         // most tokens per forward pass; 0: min(kDefaultBatch, n_ctx); 1: one at a time
  bool all_logits = false;      // keep the logits of every token of a batch (batch_logits())
  bool managed_kv = false;      // KV cache in cudaMallocManaged memory (a violation)
  std::string pinned_weight;    // this tensor stays in cudaMallocHost memory (a violation)
};

// The tensor --violate=pinned-weights keeps in pinned host memory.
inline constexpr const char *kPinnedViolationTensor = "output_norm.weight";
// The most KV cache --violate=managed-kv may allocate (a demonstration, not a mode).
inline constexpr uint64_t kMaxManagedKvBytes = 64ull << 20;
// Tokens per forward pass of prefill() unless EngineOptions::n_batch says otherwise.
inline constexpr uint32_t kDefaultBatch = 512;

struct KvLayer {
  DeviceBuffer k, v; // [n_ctx][n_head_kv][head_dim] floats each
};

class Qwen2Engine {
public:
  // Throws model::ModelError for a model it cannot run, kernels::CudaError
  // for CUDA failures (allocations made so far are released and untracked).
  Qwen2Engine(const gguf::File &file, vram_only::VramTracker &tracker, EngineOptions options = {});

  const model::Qwen2Config &config() const { return config_; }
  uint32_t n_ctx() const { return n_ctx_; }
  int32_t position() const { return position_; }
  // Forgets the cached tokens (the KV cache is overwritten from position 0).
  void reset() { position_ = 0; }

  uint32_t n_batch() const { return n_batch_; }

  // Runs `token` at position(), writes its K/V to the cache and returns the
  // greedy next token. Throws std::out_of_range for a token outside the
  // vocabulary or a full cache (checked before anything runs).
  int32_t step(int32_t token);
  // Runs `tokens` at position(), position() + 1, ..., n_batch() at a time,
  // and returns the greedy token after the last. Same exceptions.
  int32_t prefill(const std::vector<int32_t> &tokens);
  // The logits of the last token of the last step() or prefill(), copied to the host.
  std::vector<float> logits() const;
  // With EngineOptions::all_logits: the logits of every token of the last
  // forward pass (the last batch of a prefill), [tokens][n_vocab].
  std::vector<std::vector<float>> batch_logits() const;

  const std::vector<DeviceBuffer> &weights() const { return weights_; } // every tensor, file order
  uint64_t weight_bytes() const;
  const std::vector<KvLayer> &kv_cache() const { return kv_; }
  uint64_t kv_cache_bytes() const;
  const std::vector<DeviceBuffer> &activations() const { return activations_; }
  uint64_t activation_bytes() const;
  // Tensors of the file that the forward pass does not read (uploaded anyway).
  const std::vector<std::string> &unused_tensors() const { return unused_; }

private:
  // The construction steps, in order.
  void upload_weights(const gguf::File &file, const EngineOptions &options);
  void allocate_kv_cache(const EngineOptions &options);
  void allocate_activations();

  // One forward pass of n tokens (1..n_batch) at position(); returns the greedy next token.
  int32_t forward(const int32_t *tokens, uint32_t n);
  void check_tokens(const int32_t *tokens, size_t n) const;
  kernels::Weight weight(const std::string &name) const;
  float *activation(size_t index) const { return act_views_[index].data(); }

  model::Qwen2Config config_;
  uint32_t n_ctx_ = 0;
  uint32_t n_batch_ = 1;
  bool all_logits_ = false;
  uint32_t last_batch_ = 0; // tokens of the last forward pass
  vram_only::VramTracker &tracker_;
  std::vector<DeviceBuffer> weights_;
  std::vector<kernels::Weight> weight_views_; // checked views of weights_, same order
  model::Qwen2Weights<kernels::Weight> w_;
  std::vector<KvLayer> kv_;
  struct KvViews {
    vram_only::DeviceView<float> k, v;
  };
  std::vector<KvViews> kv_views_;
  std::vector<DeviceBuffer> activations_;
  std::vector<vram_only::DeviceView<float>> act_views_;
  std::vector<std::string> unused_;
  int32_t position_ = 0;
};

} // namespace worker::engine
