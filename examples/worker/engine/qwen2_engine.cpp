#include "engine/qwen2_engine.hpp"
#include "model/model_error.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <stdexcept>

namespace worker::engine {

namespace {

using vram_only::VramPurpose;

// Indices into activations_, in allocation order.
enum Act : size_t { X, XN, Q, K, V, ATT, GATE, UP, LOGITS, SCORES, TOKEN, TOKEN_IDS, kActCount };

// A tensor over a whole tracked buffer, built through the runtime's checked
// view: the range must lie inside one tracked allocation that is resident
// VRAM. What a failed check does is the tracker's
// vram_only::tensor_check_action(tracker) (the worker's tracker reports it and
// marks the worker unhealthy; the tests' trackers throw).
template <typename T> vram_only::DeviceView<T> checked(vram_only::VramTracker &tracker, const DeviceBuffer &buffer) {
  return vram_only::checked_view(tracker, buffer.as<T>(), buffer.bytes() / sizeof(T));
}

kernels::RopeStyle rope_style(model::RopeStyle style) {
  return style == model::RopeStyle::Neox ? kernels::RopeStyle::Neox : kernels::RopeStyle::Normal;
}

} // namespace

Qwen2Engine::Qwen2Engine(const gguf::File &file, vram_only::VramTracker &tracker, EngineOptions options)
    : config_(model::Qwen2Config::from_gguf(file)), tracker_(tracker) {
  unused_ = model::validate_qwen2_tensors(file, config_);
  n_ctx_ = options.n_ctx == 0 ? config_.n_ctx_train : options.n_ctx;
  n_batch_ = std::min(options.n_batch == 0 ? kDefaultBatch : options.n_batch, n_ctx_);
  if (config_.head_dim > kernels::kMaxBatchHeadDim) {
    n_batch_ = 1; // the batch attention kernel holds at most kMaxBatchHeadDim per head
  }
  all_logits_ = options.all_logits;
  if (!options.pinned_weight.empty() && file.find_tensor(options.pinned_weight) == nullptr) {
    throw model::ModelError("no tensor '" + options.pinned_weight + "' to keep in pinned memory");
  }
  const uint64_t kv_bytes = 2ull * config_.n_layer * n_ctx_ * config_.kv_dim() * sizeof(float);
  if (options.managed_kv && kv_bytes > kMaxManagedKvBytes) {
    throw model::ModelError("--violate=managed-kv would put " + std::to_string(kv_bytes >> 20) +
                            " MiB of KV cache in managed memory (at most " +
                            std::to_string(kMaxManagedKvBytes >> 20) + " MiB); use a smaller --ctx");
  }
  upload_weights(file, options);
  allocate_kv_cache(options);
  allocate_activations();
}

// Weights: one cudaMalloc per tensor, staged through pageable host memory.
// validate_qwen2_tensors has refused every type but F32 and F16.
void Qwen2Engine::upload_weights(const gguf::File &file, const EngineOptions &options) {
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
    } else {
      throw model::ModelError("tensor '" + t.name + "' has type " + t.type_name() +
                              ", which this worker does not support (supported: F32, F16)");
    }
    weights_.push_back(std::move(buffer));
    weight_views_.push_back(w);
  }
  w_ = model::Qwen2Weights<kernels::Weight>::build(config_, model::qwen2_output_is_tied(file),
                                                   [this](const std::string &name) { return weight(name); });
}

// KV cache: K and V per layer.
void Qwen2Engine::allocate_kv_cache(const EngineOptions &options) {
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
}

// Activations: n_batch rows each; the logits of one row unless all_logits.
void Qwen2Engine::allocate_activations() {
  const model::Qwen2Config &c = config_;
  const size_t rows = n_batch_;
  const size_t logit_rows = all_logits_ ? rows : 1;
  const struct {
    const char *label;
    size_t bytes;
  } acts[kActCount] = {
      {"activations.x", rows * c.n_embd * sizeof(float)},
      {"activations.x_norm", rows * c.n_embd * sizeof(float)},
      {"activations.q", rows * c.q_dim() * sizeof(float)},
      {"activations.k", rows * c.kv_dim() * sizeof(float)},
      {"activations.v", rows * c.kv_dim() * sizeof(float)},
      {"activations.attention", rows * c.q_dim() * sizeof(float)},
      {"activations.ffn_gate", rows * c.n_ff * sizeof(float)},
      {"activations.ffn_up", rows * c.n_ff * sizeof(float)},
      {"activations.logits", logit_rows * c.n_vocab * sizeof(float)},
      {"activations.attention_scores", static_cast<size_t>(c.n_head) * n_ctx_ * sizeof(float)},
      {"activations.next_token", sizeof(int32_t)},
      {"activations.token_ids", rows * sizeof(int32_t)},
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

void Qwen2Engine::check_tokens(const int32_t *tokens, size_t n) const {
  for (size_t i = 0; i < n; ++i) {
    if (tokens[i] < 0 || static_cast<uint32_t>(tokens[i]) >= config_.n_vocab) {
      throw std::out_of_range("token id " + std::to_string(tokens[i]) + " is not in the vocabulary of " +
                              std::to_string(config_.n_vocab));
    }
  }
  if (static_cast<uint64_t>(position_) + n > n_ctx_) {
    throw std::out_of_range("the KV cache is full (" + std::to_string(n_ctx_) + " tokens)");
  }
}

int32_t Qwen2Engine::step(int32_t token) {
  check_tokens(&token, 1);
  return forward(&token, 1);
}

int32_t Qwen2Engine::prefill(const std::vector<int32_t> &tokens) {
  if (tokens.empty()) {
    throw std::invalid_argument("prefill: no tokens");
  }
  check_tokens(tokens.data(), tokens.size());
  int32_t next = 0;
  for (size_t begin = 0; begin < tokens.size(); begin += n_batch_) {
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(n_batch_, tokens.size() - begin));
    next = forward(tokens.data() + begin, n);
  }
  return next;
}

int32_t Qwen2Engine::forward(const int32_t *tokens, uint32_t n) {
  const model::Qwen2Config &c = config_;
  const uint32_t pos0 = static_cast<uint32_t>(position_);
  cudaStream_t s = nullptr;
  using namespace kernels;
  const Weight none{};
  auto *token_ids = reinterpret_cast<int32_t *>(activation(TOKEN_IDS));
  check(cudaMemcpy(token_ids, tokens, n * sizeof(int32_t), cudaMemcpyHostToDevice), "copying the token ids");
  embedding(w_.token_embd, token_ids, n, c.n_embd, activation(X), s);
  for (uint32_t l = 0; l < c.n_layer; ++l) {
    const auto &w = w_.layers[l];
    float *k_cache = kv_views_[l].k.data(), *v_cache = kv_views_[l].v.data();
    rms_norm(activation(X), w.attn_norm, c.rms_eps, c.n_embd, n, activation(XN), s);
    linear(w.wq, activation(XN), n, w.bq, nullptr, c.q_dim(), c.n_embd, activation(Q), s);
    linear(w.wk, activation(XN), n, w.bk, nullptr, c.kv_dim(), c.n_embd, activation(K), s);
    linear(w.wv, activation(XN), n, w.bv, nullptr, c.kv_dim(), c.n_embd, activation(V), s);
    rope(activation(Q), c.n_head, activation(K), c.n_head_kv, c.head_dim, n, pos0, c.rope_freq_base,
         c.rope_freq_scale, rope_style(c.rope_style), s);
    store_kv(activation(K), activation(V), k_cache, v_cache, pos0, n, c.kv_dim(), s);
    if (n == 1) {
      attention(activation(Q), k_cache, v_cache, pos0 + 1, c.n_head, c.n_head_kv, c.head_dim, activation(SCORES),
                n_ctx_, activation(ATT), s);
    } else {
      attention_batch(activation(Q), k_cache, v_cache, pos0, n, c.n_head, c.n_head_kv, c.head_dim, activation(ATT),
                      s);
    }
    linear(w.wo, activation(ATT), n, none, activation(X), c.n_embd, c.q_dim(), activation(X), s);
    rms_norm(activation(X), w.ffn_norm, c.rms_eps, c.n_embd, n, activation(XN), s);
    linear(w.w_gate, activation(XN), n, none, nullptr, c.n_ff, c.n_embd, activation(GATE), s);
    linear(w.w_up, activation(XN), n, none, nullptr, c.n_ff, c.n_embd, activation(UP), s);
    swiglu(activation(GATE), activation(UP), n * c.n_ff, activation(GATE), s);
    linear(w.w_down, activation(GATE), n, none, activation(X), c.n_embd, c.n_ff, activation(X), s);
  }
  // The head: every token's logits with all_logits, else only the last token's.
  const uint32_t head_rows = all_logits_ ? n : 1;
  const float *head_in = activation(X) + static_cast<size_t>(n - head_rows) * c.n_embd;
  rms_norm(head_in, w_.output_norm, c.rms_eps, c.n_embd, head_rows, activation(XN), s);
  linear(w_.output, activation(XN), head_rows, none, nullptr, c.n_vocab, c.n_embd, activation(LOGITS), s);
  const float *last_logits = activation(LOGITS) + static_cast<size_t>(head_rows - 1) * c.n_vocab;
  argmax(last_logits, c.n_vocab, reinterpret_cast<int32_t *>(activation(TOKEN)), s);
  int32_t next = 0;
  check(cudaMemcpy(&next, activations_[TOKEN].data(), sizeof next, cudaMemcpyDeviceToHost),
        "reading the next token");
  position_ += static_cast<int32_t>(n);
  last_batch_ = n;
  return next;
}

std::vector<float> Qwen2Engine::logits() const {
  std::vector<float> host(config_.n_vocab);
  const size_t row = all_logits_ && last_batch_ > 0 ? last_batch_ - 1 : 0;
  kernels::check(cudaMemcpy(host.data(), activation(LOGITS) + row * config_.n_vocab, host.size() * sizeof(float),
                            cudaMemcpyDeviceToHost),
                 "reading the logits");
  return host;
}

std::vector<std::vector<float>> Qwen2Engine::batch_logits() const {
  if (!all_logits_) {
    throw std::logic_error("batch_logits() needs EngineOptions::all_logits");
  }
  std::vector<float> host(static_cast<size_t>(last_batch_) * config_.n_vocab);
  kernels::check(cudaMemcpy(host.data(), activation(LOGITS), host.size() * sizeof(float), cudaMemcpyDeviceToHost),
                 "reading the logits");
  std::vector<std::vector<float>> rows(last_batch_);
  for (uint32_t t = 0; t < last_batch_; ++t) {
    rows[t].assign(host.begin() + static_cast<std::ptrdiff_t>(t) * config_.n_vocab,
                   host.begin() + static_cast<std::ptrdiff_t>(t + 1) * config_.n_vocab);
  }
  return rows;
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
