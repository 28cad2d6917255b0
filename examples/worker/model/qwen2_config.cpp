#include "model/qwen2_config.hpp"
#include "model/model_error.hpp"

#include <cmath>
#include <limits>

namespace worker::model {

namespace {

const gguf::Value &require(const gguf::File &file, const std::string &key) {
  const gguf::Value *v = file.find(key);
  if (v == nullptr) {
    throw ModelError("missing metadata key '" + key + "'");
  }
  return *v;
}

uint32_t positive_u32(const gguf::Value &v, const std::string &key) {
  const auto n = v.as_uint64();
  if (!v.is_integer() || !n) {
    throw ModelError("metadata '" + key + "' is " + gguf::describe(v) + ", expected a non-negative integer");
  }
  if (*n == 0 || *n > std::numeric_limits<uint32_t>::max()) {
    throw ModelError("metadata '" + key + "' is " + std::to_string(*n) + ", expected 1.." +
                     std::to_string(std::numeric_limits<uint32_t>::max()));
  }
  return static_cast<uint32_t>(*n);
}

float positive_float(const gguf::Value &v, const std::string &key) {
  const auto d = v.as_double();
  if (!v.is_float() || !d || !std::isfinite(*d) || *d <= 0) {
    throw ModelError("metadata '" + key + "' is " + gguf::describe(v) + ", expected a positive float");
  }
  return static_cast<float>(*d);
}

// RoPE scaling as llama.cpp reads it: type (default "linear") and factor
// (rope.scaling.factor, or the older rope.scale_linear; 0 or absent: none).
// Returns the factor positions are multiplied by.
float read_rope_freq_scale(const gguf::File &file, const std::string &arch) {
  std::string type = "linear";
  const std::string type_key = arch_key(arch, keys::suffix::kRopeScalingType);
  if (const gguf::Value *v = file.find(type_key)) {
    if (v->as_string() == nullptr) {
      throw ModelError("metadata '" + type_key + "' is " + gguf::describe(*v) + ", expected a string");
    }
    type = *v->as_string();
  }
  if (type != "none" && type != "linear") {
    throw ModelError("metadata '" + type_key + "' is '" + type +
                     "': this worker implements no RoPE scaling but 'linear' (and 'none')");
  }
  float factor = 0.0f;
  for (const char *suffix : {keys::suffix::kRopeScalingFactor, keys::suffix::kRopeScaleLinear}) {
    const std::string key = arch_key(arch, suffix);
    if (const gguf::Value *v = file.find(key)) {
      const auto d = v->as_double();
      if (!v->is_float() || !d || !std::isfinite(*d) || *d < 0) {
        throw ModelError("metadata '" + key + "' is " + gguf::describe(*v) + ", expected a float >= 0");
      }
      factor = static_cast<float>(*d);
      break;
    }
  }
  if (type == "none" || factor == 0.0f) {
    return 1.0f;
  }
  return 1.0f / factor;
}

} // namespace

const char *to_string(Architecture arch) noexcept { return arch == Architecture::Llama ? "llama" : "qwen2"; }

std::string arch_key(const std::string &arch, const char *suffix) { return arch + "." + suffix; }

Qwen2Config Qwen2Config::from_gguf(const gguf::File &file) {
  const gguf::Value &arch_value = require(file, keys::kArchitecture);
  if (arch_value.as_string() == nullptr) {
    throw ModelError("metadata 'general.architecture' is " + gguf::describe(arch_value) +
                     ", expected a string");
  }
  Qwen2Config c;
  const std::string &arch = *arch_value.as_string();
  if (arch == "qwen2") {
    c.arch = Architecture::Qwen2;
    c.rope_style = RopeStyle::Neox;
  } else if (arch == "llama") {
    c.arch = Architecture::Llama;
    c.rope_style = RopeStyle::Normal;
  } else {
    throw ModelError("unsupported architecture " + gguf::quoted_excerpt(arch) + " (this worker runs 'qwen2' and 'llama' models)");
  }
  auto key = [&](const char *suffix) { return arch_key(arch, suffix); };
  if (const gguf::Value *name = file.find(keys::kName); name && name->as_string()) {
    c.name = *name->as_string();
  } else {
    const std::string &path = file.source();
    c.name = path.substr(path.find_last_of('/') + 1);
  }
  c.n_ctx_train = positive_u32(require(file, key(keys::suffix::kContextLength)), key(keys::suffix::kContextLength));
  c.n_embd = positive_u32(require(file, key(keys::suffix::kEmbeddingLength)), key(keys::suffix::kEmbeddingLength));
  c.n_layer = positive_u32(require(file, key(keys::suffix::kBlockCount)), key(keys::suffix::kBlockCount));
  c.n_ff = positive_u32(require(file, key(keys::suffix::kFeedForwardLength)), key(keys::suffix::kFeedForwardLength));
  c.n_head = positive_u32(require(file, key(keys::suffix::kHeadCount)), key(keys::suffix::kHeadCount));
  c.n_head_kv = c.n_head;
  if (const gguf::Value *kv = file.find(key(keys::suffix::kHeadCountKv))) {
    c.n_head_kv = positive_u32(*kv, key(keys::suffix::kHeadCountKv));
  }
  c.rms_eps = positive_float(require(file, key(keys::suffix::kRmsEpsilon)), key(keys::suffix::kRmsEpsilon));
  if (const gguf::Value *base = file.find(key(keys::suffix::kRopeFreqBase))) {
    c.rope_freq_base = positive_float(*base, key(keys::suffix::kRopeFreqBase));
  }
  c.rope_freq_scale = read_rope_freq_scale(file, arch);
  if (const gguf::Value *experts = file.find(key(keys::suffix::kExpertCount))) {
    const auto n = experts->as_uint64();
    if (!experts->is_integer() || !n || *n != 0) {
      throw ModelError("metadata '" + key(keys::suffix::kExpertCount) + "' is " + gguf::describe(*experts) +
                       ": this worker runs no mixture-of-experts models");
    }
  }

  if (c.n_embd % c.n_head != 0) {
    throw ModelError(key(keys::suffix::kEmbeddingLength) + " " + std::to_string(c.n_embd) + " is not a multiple of " +
                     key(keys::suffix::kHeadCount) + " " + std::to_string(c.n_head));
  }
  c.head_dim = c.n_embd / c.n_head;
  if (c.head_dim % 2 != 0) {
    throw ModelError("the head dimension " + std::to_string(c.head_dim) +
                     " is odd; RoPE needs an even head dimension");
  }
  if (c.n_head_kv > c.n_head || c.n_head % c.n_head_kv != 0) {
    throw ModelError(key(keys::suffix::kHeadCount) + " " + std::to_string(c.n_head) + " is not a multiple of " +
                     key(keys::suffix::kHeadCountKv) + " " + std::to_string(c.n_head_kv));
  }
  for (const char *suffix : {keys::suffix::kKeyLength, keys::suffix::kValueLength, keys::suffix::kRopeDimensionCount}) {
    if (const gguf::Value *len = file.find(key(suffix))) {
      if (positive_u32(*len, key(suffix)) != c.head_dim) {
        throw ModelError("metadata '" + key(suffix) + "' is " + gguf::describe(*len) +
                         ", but this worker needs it to equal embedding_length / head_count = " +
                         std::to_string(c.head_dim));
      }
    }
  }
  // The block count is bounded by the tensors the file holds before anything
  // is built per block (a qwen2 block has 12 tensors, a llama block at least
  // 9), besides token_embd and output_norm.
  const std::string &architecture = *file.find(keys::kArchitecture)->as_string();
  const uint64_t tensors_per_block = architecture == "qwen2" ? 12 : 9;
  if (uint64_t{c.n_layer} * tensors_per_block + 2 > file.tensors().size()) {
    throw ModelError("metadata '" + architecture + ".block_count' is " + std::to_string(c.n_layer) +
                     ", but the file has only " + std::to_string(file.tensors().size()) + " tensors (a " +
                     architecture + " block has " + (tensors_per_block == 12 ? "12" : "at least 9") + ")");
  }
  const gguf::TensorInfo *embd = file.find_tensor("token_embd.weight");
  if (embd == nullptr) {
    throw ModelError("missing tensor 'token_embd.weight'");
  }
  if (embd->dims.size() != 2 || embd->dims[0] != c.n_embd || embd->dims[1] == 0 ||
      embd->dims[1] > std::numeric_limits<int32_t>::max()) {
    throw ModelError("tensor 'token_embd.weight' has shape " + embd->shape_string() +
                     ", expected [" + std::to_string(c.n_embd) + ", n_vocab]");
  }
  c.n_vocab = static_cast<uint32_t>(embd->dims[1]);
  // qwen2 files carry Q/K/V biases (required here); llama files may (llama.cpp
  // reads them when present, and so does this worker).
  c.qkv_bias = c.arch == Architecture::Qwen2 || file.find_tensor("blk.0.attn_q.bias") != nullptr;
  return c;
}

} // namespace worker::model
