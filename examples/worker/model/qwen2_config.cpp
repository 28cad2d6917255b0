#include "model/qwen2_config.hpp"
#include "model/model_error.hpp"

#include <cmath>
#include <limits>

namespace worker::model {

namespace {

const gguf::Value &require(const gguf::File &file, const char *key) {
  const gguf::Value *v = file.find(key);
  if (v == nullptr) {
    throw ModelError("missing metadata key '" + std::string(key) + "'");
  }
  return *v;
}

uint32_t positive_u32(const gguf::Value &v, const char *key) {
  const auto n = v.as_uint64();
  if (!v.is_integer() || !n) {
    throw ModelError("metadata '" + std::string(key) + "' is " + gguf::describe(v) +
                     ", expected a non-negative integer");
  }
  if (*n == 0 || *n > std::numeric_limits<uint32_t>::max()) {
    throw ModelError("metadata '" + std::string(key) + "' is " + std::to_string(*n) +
                     ", expected 1.." + std::to_string(std::numeric_limits<uint32_t>::max()));
  }
  return static_cast<uint32_t>(*n);
}

float positive_float(const gguf::Value &v, const char *key) {
  const auto d = v.as_double();
  if (!v.is_float() || !d || !std::isfinite(*d) || *d <= 0) {
    throw ModelError("metadata '" + std::string(key) + "' is " + gguf::describe(v) +
                     ", expected a positive float");
  }
  return static_cast<float>(*d);
}

} // namespace

Qwen2Config Qwen2Config::from_gguf(const gguf::File &file) {
  const gguf::Value &arch = require(file, keys::kArchitecture);
  if (arch.as_string() == nullptr) {
    throw ModelError("metadata 'general.architecture' is " + gguf::describe(arch) +
                     ", expected a string");
  }
  if (*arch.as_string() != "qwen2") {
    throw ModelError("unsupported architecture '" + *arch.as_string() +
                     "' (this worker runs 'qwen2' models)");
  }
  Qwen2Config c;
  if (const gguf::Value *name = file.find(keys::kName); name && name->as_string()) {
    c.name = *name->as_string();
  } else {
    const std::string &path = file.source();
    c.name = path.substr(path.find_last_of('/') + 1);
  }
  c.n_ctx_train = positive_u32(require(file, keys::kContextLength), keys::kContextLength);
  c.n_embd = positive_u32(require(file, keys::kEmbeddingLength), keys::kEmbeddingLength);
  c.n_layer = positive_u32(require(file, keys::kBlockCount), keys::kBlockCount);
  c.n_ff = positive_u32(require(file, keys::kFeedForwardLength), keys::kFeedForwardLength);
  c.n_head = positive_u32(require(file, keys::kHeadCount), keys::kHeadCount);
  c.n_head_kv = c.n_head;
  if (const gguf::Value *kv = file.find(keys::kHeadCountKv)) {
    c.n_head_kv = positive_u32(*kv, keys::kHeadCountKv);
  }
  c.rms_eps = positive_float(require(file, keys::kRmsEpsilon), keys::kRmsEpsilon);
  if (const gguf::Value *base = file.find(keys::kRopeFreqBase)) {
    c.rope_freq_base = positive_float(*base, keys::kRopeFreqBase);
  }

  if (c.n_embd % c.n_head != 0) {
    throw ModelError("qwen2.embedding_length " + std::to_string(c.n_embd) +
                     " is not a multiple of qwen2.attention.head_count " + std::to_string(c.n_head));
  }
  c.head_dim = c.n_embd / c.n_head;
  if (c.head_dim % 2 != 0) {
    throw ModelError("the head dimension " + std::to_string(c.head_dim) +
                     " is odd; RoPE needs an even head dimension");
  }
  if (c.n_head_kv > c.n_head || c.n_head % c.n_head_kv != 0) {
    throw ModelError("qwen2.attention.head_count " + std::to_string(c.n_head) +
                     " is not a multiple of qwen2.attention.head_count_kv " +
                     std::to_string(c.n_head_kv));
  }
  for (const char *key : {keys::kKeyLength, keys::kValueLength}) {
    if (const gguf::Value *len = file.find(key)) {
      if (positive_u32(*len, key) != c.head_dim) {
        throw ModelError("metadata '" + std::string(key) + "' is " + gguf::describe(*len) +
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
  return c;
}

} // namespace worker::model
