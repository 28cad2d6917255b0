#include "model/cpu_reference.hpp"
#include "model/half.hpp"
#include "model/model_error.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace worker::model {

namespace reference {

void rms_norm(const float *x, const float *w, float eps, size_t n, float *out) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += static_cast<double>(x[i]) * x[i];
  }
  const double scale = 1.0 / std::sqrt(sum / static_cast<double>(n) + eps);
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(x[i] * scale * w[i]);
  }
}

void matvec(const float *w, const float *x, const float *bias, size_t rows, size_t cols, float *out) {
  for (size_t r = 0; r < rows; ++r) {
    double sum = bias ? bias[r] : 0.0;
    const float *row = w + r * cols;
    for (size_t c = 0; c < cols; ++c) {
      sum += static_cast<double>(row[c]) * x[c];
    }
    out[r] = static_cast<float>(sum);
  }
}

namespace {

// Rotates the pairs (first(i), second(i)) of every head by pos * scale * base^(-2i/d).
template <typename Pair>
void rope(float *heads, uint32_t n_heads, uint32_t head_dim, uint32_t pos, float base, float freq_scale, Pair pair) {
  const uint32_t half = head_dim / 2;
  for (uint32_t h = 0; h < n_heads; ++h) {
    float *v = heads + static_cast<size_t>(h) * head_dim;
    for (uint32_t i = 0; i < half; ++i) {
      const double theta =
          static_cast<double>(freq_scale) * pos * std::pow(static_cast<double>(base), -2.0 * i / head_dim);
      const double c = std::cos(theta), s = std::sin(theta);
      const auto [a, b] = pair(i, half);
      const double x0 = v[a], x1 = v[b];
      v[a] = static_cast<float>(x0 * c - x1 * s);
      v[b] = static_cast<float>(x0 * s + x1 * c);
    }
  }
}

} // namespace

void rope_neox(float *heads, uint32_t n_heads, uint32_t head_dim, uint32_t pos, float base, float freq_scale) {
  rope(heads, n_heads, head_dim, pos, base, freq_scale,
       [](uint32_t i, uint32_t half) { return std::pair<uint32_t, uint32_t>{i, i + half}; });
}

void rope_normal(float *heads, uint32_t n_heads, uint32_t head_dim, uint32_t pos, float base, float freq_scale) {
  rope(heads, n_heads, head_dim, pos, base, freq_scale,
       [](uint32_t i, uint32_t) { return std::pair<uint32_t, uint32_t>{2 * i, 2 * i + 1}; });
}

void attention(const float *q, const float *k_cache, const float *v_cache, uint32_t n_tokens,
               uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *out) {
  const uint32_t group = n_head / n_head_kv;
  const size_t kv_dim = static_cast<size_t>(n_head_kv) * head_dim;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  std::vector<double> scores(n_tokens);
  for (uint32_t h = 0; h < n_head; ++h) {
    const uint32_t kvh = h / group;
    const float *qh = q + static_cast<size_t>(h) * head_dim;
    double max_score = -INFINITY;
    for (uint32_t t = 0; t < n_tokens; ++t) {
      const float *kt = k_cache + t * kv_dim + static_cast<size_t>(kvh) * head_dim;
      double dot = 0;
      for (uint32_t d = 0; d < head_dim; ++d) {
        dot += static_cast<double>(qh[d]) * kt[d];
      }
      scores[t] = dot * scale;
      max_score = std::max(max_score, scores[t]);
    }
    double sum = 0;
    for (uint32_t t = 0; t < n_tokens; ++t) {
      scores[t] = std::exp(scores[t] - max_score);
      sum += scores[t];
    }
    for (uint32_t d = 0; d < head_dim; ++d) {
      double acc = 0;
      for (uint32_t t = 0; t < n_tokens; ++t) {
        acc += scores[t] * v_cache[t * kv_dim + static_cast<size_t>(kvh) * head_dim + d];
      }
      out[static_cast<size_t>(h) * head_dim + d] = static_cast<float>(acc / sum);
    }
  }
}

float silu(float x) { return static_cast<float>(x / (1.0 + std::exp(-static_cast<double>(x)))); }

int32_t argmax(const float *values, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (values[i] > values[best]) {
      best = i;
    }
  }
  return static_cast<int32_t>(best);
}

} // namespace reference

std::vector<float> tensor_to_floats(const gguf::TensorInfo &tensor, const std::vector<uint8_t> &bytes) {
  std::vector<float> out(tensor.n_elements);
  if (tensor.type() == gguf::TensorType::F32) {
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  } else if (tensor.type() == gguf::TensorType::F16) {
    for (size_t i = 0; i < out.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, bytes.data() + 2 * i, 2);
      out[i] = half_to_float(h);
    }
  } else {
    throw ModelError("tensor '" + tensor.name + "' has type " + tensor.type_name() +
                     " (supported: F32, F16)");
  }
  return out;
}

CpuQwen2::CpuQwen2(const gguf::File &file, uint32_t n_ctx)
    : config_(Qwen2Config::from_gguf(file)), n_ctx_(n_ctx) {
  validate_qwen2_tensors(file, config_);
  if (n_ctx_ == 0) {
    throw ModelError("the context length must be at least 1");
  }
  weights_ = Qwen2Weights<HostTensor>::build(
      config_, qwen2_output_is_tied(file), [&](const std::string &name) {
        const gguf::TensorInfo *t = file.find_tensor(name);
        return std::make_shared<const std::vector<float>>(
            tensor_to_floats(*t, file.read_tensor_data(*t)));
      });
  const size_t kv = static_cast<size_t>(n_ctx_) * config_.kv_dim();
  k_cache_.assign(config_.n_layer, std::vector<float>(kv));
  v_cache_.assign(config_.n_layer, std::vector<float>(kv));
  x_.resize(config_.n_embd);
  xn_.resize(config_.n_embd);
  q_.resize(config_.q_dim());
  k_.resize(config_.kv_dim());
  v_.resize(config_.kv_dim());
  att_.resize(config_.q_dim());
  gate_.resize(config_.n_ff);
  up_.resize(config_.n_ff);
  logits_.resize(config_.n_vocab);
}

const std::vector<float> &CpuQwen2::forward(int32_t token) {
  using namespace reference;
  const Qwen2Config &c = config_;
  if (token < 0 || static_cast<uint32_t>(token) >= c.n_vocab) {
    throw std::out_of_range("token id " + std::to_string(token) + " is not in the vocabulary");
  }
  if (static_cast<uint32_t>(position_) >= n_ctx_) {
    throw std::out_of_range("the KV cache is full (" + std::to_string(n_ctx_) + " tokens)");
  }
  const uint32_t pos = static_cast<uint32_t>(position_);
  std::memcpy(x_.data(), weights_.token_embd->data() + static_cast<size_t>(token) * c.n_embd,
              c.n_embd * sizeof(float));
  for (uint32_t l = 0; l < c.n_layer; ++l) {
    const auto &w = weights_.layers[l];
    rms_norm(x_.data(), w.attn_norm->data(), c.rms_eps, c.n_embd, xn_.data());
    auto bias = [](const HostTensor &b) { return b ? b->data() : nullptr; };
    matvec(w.wq->data(), xn_.data(), bias(w.bq), c.q_dim(), c.n_embd, q_.data());
    matvec(w.wk->data(), xn_.data(), bias(w.bk), c.kv_dim(), c.n_embd, k_.data());
    matvec(w.wv->data(), xn_.data(), bias(w.bv), c.kv_dim(), c.n_embd, v_.data());
    const auto rope = c.rope_style == RopeStyle::Neox ? rope_neox : rope_normal;
    rope(q_.data(), c.n_head, c.head_dim, pos, c.rope_freq_base, c.rope_freq_scale);
    rope(k_.data(), c.n_head_kv, c.head_dim, pos, c.rope_freq_base, c.rope_freq_scale);
    std::memcpy(k_cache_[l].data() + static_cast<size_t>(pos) * c.kv_dim(), k_.data(), k_.size() * sizeof(float));
    std::memcpy(v_cache_[l].data() + static_cast<size_t>(pos) * c.kv_dim(), v_.data(), v_.size() * sizeof(float));
    attention(q_.data(), k_cache_[l].data(), v_cache_[l].data(), pos + 1, c.n_head, c.n_head_kv,
              c.head_dim, att_.data());
    std::vector<float> o(c.n_embd);
    matvec(w.wo->data(), att_.data(), nullptr, c.n_embd, c.q_dim(), o.data());
    for (uint32_t i = 0; i < c.n_embd; ++i) {
      x_[i] += o[i];
    }
    rms_norm(x_.data(), w.ffn_norm->data(), c.rms_eps, c.n_embd, xn_.data());
    matvec(w.w_gate->data(), xn_.data(), nullptr, c.n_ff, c.n_embd, gate_.data());
    matvec(w.w_up->data(), xn_.data(), nullptr, c.n_ff, c.n_embd, up_.data());
    for (uint32_t i = 0; i < c.n_ff; ++i) {
      gate_[i] = silu(gate_[i]) * up_[i];
    }
    matvec(w.w_down->data(), gate_.data(), nullptr, c.n_embd, c.n_ff, o.data());
    for (uint32_t i = 0; i < c.n_embd; ++i) {
      x_[i] += o[i];
    }
  }
  rms_norm(x_.data(), weights_.output_norm->data(), c.rms_eps, c.n_embd, xn_.data());
  matvec(weights_.output->data(), xn_.data(), nullptr, c.n_vocab, c.n_embd, logits_.data());
  ++position_;
  return logits_;
}

} // namespace worker::model
