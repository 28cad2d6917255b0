#include "engine/qwen2_engine.hpp"
#include "model/model_error.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <stdexcept>

namespace worker::engine {

namespace {

using vram_only::VramPurpose;

// Indices into activations_, in allocation order.
enum Act : size_t { X, XN, Q, K, V, ATT, GATE, UP, LOGITS, SCORES, TOKEN, kActCount };

// A tensor over a whole tracked buffer, built through the runtime's checked
// view: the range must lie inside one tracked allocation that is resident
// VRAM. What a failed check does is the tracker's
// vram_only::tensor_check_action(tracker) (the worker's tracker reports it and
// marks the worker unhealthy; the tests' trackers throw).
template <typename T> vram_only::DeviceView<T> checked(vram_only::VramTracker &tracker, const DeviceBuffer &buffer) {
  return vram_only::checked_view(tracker, buffer.as<T>(), buffer.bytes() / sizeof(T));
}

} // namespace

Qwen2Engine::Qwen2Engine(const gguf::File &file, vram_only::VramTracker &tracker, EngineOptions options)
    : config_(model::Qwen2Config::from_gguf(file)), tracker_(tracker) {
  unused_ = model::validate_qwen2_tensors(file, config_);
  n_ctx_ = options.n_ctx == 0 ? config_.n_ctx_train : options.n_ctx;
  if (!options.pinned_weight.empty() && file.find_tensor(options.pinned_weight) == nullptr) {
    throw model::ModelError("no tensor '" + options.pinned_weight + "' to keep in pinned memory");
  }
  const uint64_t kv_bytes = 2ull * config_.n_layer * n_ctx_ * config_.kv_dim() * sizeof(float);
  if (options.managed_kv && kv_bytes > kMaxManagedKvBytes) {
    throw model::ModelError("--violate=managed-kv would put " + std::to_string(kv_bytes >> 20) +
                            " MiB of KV cache in managed memory (at most " +
                            std::to_string(kMaxManagedKvBytes >> 20) + " MiB); use a smaller --ctx");
  }

  // Weights: one cudaMalloc per tensor, staged through pageable host memory.
  weights_.reserve(file.tensors().size());
  std::vector<uint8_t> staging;
  for (const gguf::TensorInfo &t : file.tensors()) {
    if (t.n_bytes == 0) {
      continue;
    }
    const MemoryKind kind = t.name == options.pinned_weight ? MemoryKind::PinnedHost : MemoryKind::Device;
    DeviceBuffer buffer(tracker_, t.n_bytes, VramPurpose::ModelWeights, t.name, kind);
    staging.resize(t.n_bytes);
    file.read_tensor_data(t, staging.data(), staging.size());
    kernels::check(cudaMemcpy(buffer.data(), staging.data(), staging.size(),
                              kind == MemoryKind::PinnedHost ? cudaMemcpyHostToHost : cudaMemcpyHostToDevice),
                   ("uploading tensor " + t.name).c_str());
    kernels::Weight w;
    if (t.type() == gguf::TensorType::F16) {
      w = {checked<const uint16_t>(tracker_, buffer).data(), kernels::DType::F16};
    } else if (t.type() == gguf::TensorType::F32) {
      w = {checked<const float>(tracker_, buffer).data(), kernels::DType::F32};
    } else { // a tensor the forward pass does not read (validated above)
      w = {checked<const uint8_t>(tracker_, buffer).data(), kernels::DType::F32};
    }
    weights_.push_back(std::move(buffer));
    weight_views_.push_back(w);
  }
  staging.clear();
  staging.shrink_to_fit();
  w_ = model::Qwen2Weights<kernels::Weight>::build(config_, model::qwen2_output_is_tied(file),
                                                   [this](const std::string &name) { return weight(name); });

  // KV cache: K and V per layer.
  const size_t layer_bytes = static_cast<size_t>(n_ctx_) * config_.kv_dim() * sizeof(float);
  const MemoryKind kv_kind = options.managed_kv ? MemoryKind::Managed : MemoryKind::Device;
  kv_.reserve(config_.n_layer);
  for (uint32_t l = 0; l < config_.n_layer; ++l) {
    const std::string prefix = "kv_cache.blk." + std::to_string(l);
    KvLayer layer{DeviceBuffer(tracker_, layer_bytes, VramPurpose::KvCache, prefix + ".k", kv_kind),
                  DeviceBuffer(tracker_, layer_bytes, VramPurpose::KvCache, prefix + ".v", kv_kind)};
    kv_views_.push_back({checked<float>(tracker_, layer.k), checked<float>(tracker_, layer.v)});
    kv_.push_back(std::move(layer));
  }

  // Activations.
  const struct {
    const char *label;
    size_t bytes;
  } acts[kActCount] = {
      {"activations.x", config_.n_embd * sizeof(float)},
      {"activations.x_norm", config_.n_embd * sizeof(float)},
      {"activations.q", config_.q_dim() * sizeof(float)},
      {"activations.k", config_.kv_dim() * sizeof(float)},
      {"activations.v", config_.kv_dim() * sizeof(float)},
      {"activations.attention", config_.q_dim() * sizeof(float)},
      {"activations.ffn_gate", config_.n_ff * sizeof(float)},
      {"activations.ffn_up", config_.n_ff * sizeof(float)},
      {"activations.logits", config_.n_vocab * sizeof(float)},
      {"activations.attention_scores", static_cast<size_t>(config_.n_head) * n_ctx_ * sizeof(float)},
      {"activations.next_token", sizeof(int32_t)},
  };
  activations_.reserve(kActCount);
  for (const auto &a : acts) {
    activations_.emplace_back(tracker_, a.bytes, VramPurpose::Activations, a.label);
    act_views_.push_back(checked<float>(tracker_, activations_.back()));
  }
}

kernels::Weight Qwen2Engine::weight(const std::string &name) const {
  for (size_t i = 0; i < weights_.size(); ++i) {
    if (weights_[i].label() == name) {
      return weight_views_[i];
    }
  }
  throw model::ModelError("tensor '" + name + "' was not uploaded");
}

int32_t Qwen2Engine::step(int32_t token) {
  const model::Qwen2Config &c = config_;
  if (token < 0 || static_cast<uint32_t>(token) >= c.n_vocab) {
    throw std::out_of_range("token id " + std::to_string(token) + " is not in the vocabulary of " +
                            std::to_string(c.n_vocab));
  }
  if (static_cast<uint32_t>(position_) >= n_ctx_) {
    throw std::out_of_range("the KV cache is full (" + std::to_string(n_ctx_) + " tokens)");
  }
  const uint32_t pos = static_cast<uint32_t>(position_);
  cudaStream_t s = nullptr;
  using namespace kernels;
  const Weight none{};
  embedding(w_.token_embd, token, c.n_embd, activation(X), s);
  for (uint32_t l = 0; l < c.n_layer; ++l) {
    const auto &w = w_.layers[l];
    rms_norm(activation(X), w.attn_norm, c.rms_eps, c.n_embd, activation(XN), s);
    matvec(w.wq, activation(XN), w.bq, nullptr, c.q_dim(), c.n_embd, activation(Q), s);
    matvec(w.wk, activation(XN), w.bk, nullptr, c.kv_dim(), c.n_embd, activation(K), s);
    matvec(w.wv, activation(XN), w.bv, nullptr, c.kv_dim(), c.n_embd, activation(V), s);
    rope_neox(activation(Q), c.n_head, activation(K), c.n_head_kv, c.head_dim, pos, c.rope_freq_base, s);
    store_kv(activation(K), activation(V), kv_views_[l].k.data(), kv_views_[l].v.data(), pos, c.kv_dim(), s);
    attention(activation(Q), kv_views_[l].k.data(), kv_views_[l].v.data(), pos + 1, c.n_head, c.n_head_kv,
              c.head_dim, activation(SCORES), n_ctx_, activation(ATT), s);
    matvec(w.wo, activation(ATT), none, activation(X), c.n_embd, c.q_dim(), activation(X), s);
    rms_norm(activation(X), w.ffn_norm, c.rms_eps, c.n_embd, activation(XN), s);
    matvec(w.w_gate, activation(XN), none, nullptr, c.n_ff, c.n_embd, activation(GATE), s);
    matvec(w.w_up, activation(XN), none, nullptr, c.n_ff, c.n_embd, activation(UP), s);
    swiglu(activation(GATE), activation(UP), c.n_ff, activation(GATE), s);
    matvec(w.w_down, activation(GATE), none, activation(X), c.n_embd, c.n_ff, activation(X), s);
  }
  rms_norm(activation(X), w_.output_norm, c.rms_eps, c.n_embd, activation(XN), s);
  matvec(w_.output, activation(XN), none, nullptr, c.n_vocab, c.n_embd, activation(LOGITS), s);
  argmax(activation(LOGITS), c.n_vocab, reinterpret_cast<int32_t *>(activation(TOKEN)), s);
  int32_t next = 0;
  check(cudaMemcpy(&next, activations_[TOKEN].data(), sizeof next, cudaMemcpyDeviceToHost),
        "reading the next token");
  ++position_;
  return next;
}

std::vector<float> Qwen2Engine::logits() const {
  std::vector<float> host(config_.n_vocab);
  kernels::check(cudaMemcpy(host.data(), activations_[LOGITS].data(), host.size() * sizeof(float),
                            cudaMemcpyDeviceToHost),
                 "reading the logits");
  return host;
}

uint64_t Qwen2Engine::weight_bytes() const {
  uint64_t total = 0;
  for (const auto &b : weights_) total += b.bytes();
  return total;
}

uint64_t Qwen2Engine::kv_cache_bytes() const {
  uint64_t total = 0;
  for (const auto &l : kv_) total += l.k.bytes() + l.v.bytes();
  return total;
}

uint64_t Qwen2Engine::activation_bytes() const {
  uint64_t total = 0;
  for (const auto &b : activations_) total += b.bytes();
  return total;
}

} // namespace worker::engine
