#include "model/qwen2_layout.hpp"

#include <unordered_set>

namespace worker::model {

namespace {

bool ends_with(const std::string &s, const char *suffix) {
  const std::string t(suffix);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// A tensor that llama.cpp's model of this architecture reads (when present)
// and this worker's forward pass does not implement.
bool applied_by_llama_cpp(const std::string &name, Architecture arch) {
  if (ends_with(name, ".attn_qkv.weight") || ends_with(name, ".attn_qkv.bias")) {
    return true;
  }
  if (arch == Architecture::Qwen2) {
    return name == "output.bias";
  }
  return name == "rope_freqs.weight" || ends_with(name, ".attn_output.bias") || ends_with(name, ".ffn_gate.bias") ||
         ends_with(name, ".ffn_up.bias") || ends_with(name, ".ffn_down.bias");
}

bool supported_type(const gguf::TensorInfo &t) {
  return t.type() == gguf::TensorType::F32 || t.type() == gguf::TensorType::F16;
}

} // namespace

std::string layer_tensor_name(uint32_t layer, const char *suffix) {
  return "blk." + std::to_string(layer) + "." + suffix;
}

bool qwen2_output_is_tied(const gguf::File &file) {
  return file.find_tensor("output.weight") == nullptr;
}

std::vector<ExpectedTensor> qwen2_expected_tensors(const Qwen2Config &c, bool tied_output) {
  const uint64_t embd = c.n_embd, q = c.q_dim(), kv = c.kv_dim(), ff = c.n_ff, vocab = c.n_vocab;
  std::vector<ExpectedTensor> t;
  t.push_back({"token_embd.weight", {embd, vocab}});
  for (uint32_t i = 0; i < c.n_layer; ++i) {
    t.push_back({layer_tensor_name(i, "attn_norm.weight"), {embd}});
    t.push_back({layer_tensor_name(i, "attn_q.weight"), {embd, q}});
    if (c.qkv_bias) t.push_back({layer_tensor_name(i, "attn_q.bias"), {q}});
    t.push_back({layer_tensor_name(i, "attn_k.weight"), {embd, kv}});
    if (c.qkv_bias) t.push_back({layer_tensor_name(i, "attn_k.bias"), {kv}});
    t.push_back({layer_tensor_name(i, "attn_v.weight"), {embd, kv}});
    if (c.qkv_bias) t.push_back({layer_tensor_name(i, "attn_v.bias"), {kv}});
    t.push_back({layer_tensor_name(i, "attn_output.weight"), {q, embd}});
    t.push_back({layer_tensor_name(i, "ffn_norm.weight"), {embd}});
    t.push_back({layer_tensor_name(i, "ffn_gate.weight"), {embd, ff}});
    t.push_back({layer_tensor_name(i, "ffn_up.weight"), {embd, ff}});
    t.push_back({layer_tensor_name(i, "ffn_down.weight"), {ff, embd}});
  }
  t.push_back({"output_norm.weight", {embd}});
  if (!tied_output) {
    t.push_back({"output.weight", {embd, vocab}});
  }
  return t;
}

std::vector<std::string> validate_qwen2_tensors(const gguf::File &file, const Qwen2Config &config) {
  const bool tied = qwen2_output_is_tied(file);
  std::unordered_set<std::string> expected;
  for (const ExpectedTensor &want : qwen2_expected_tensors(config, tied)) {
    expected.insert(want.name);
    const gguf::TensorInfo *have = file.find_tensor(want.name);
    if (have == nullptr) {
      throw ModelError("missing tensor '" + want.name + "'");
    }
    const gguf::TensorInfo shape_of_want{want.name, want.dims};
    if (have->dims != want.dims) {
      throw ModelError("tensor '" + want.name + "' has shape " + have->shape_string() +
                       ", expected " + shape_of_want.shape_string() +
                       " from the model's hyperparameters");
    }
    if (!supported_type(*have)) {
      throw ModelError("tensor '" + want.name + "' has type " + have->type_name() +
                       ", which this worker does not support (supported: F32, F16)");
    }
  }
  std::vector<std::string> unused;
  for (const gguf::TensorInfo &t : file.tensors()) {
    if (expected.count(t.name) != 0) {
      continue;
    }
    if (applied_by_llama_cpp(t.name, config.arch)) {
      throw ModelError("tensor '" + t.name + "' is applied by llama.cpp's " + config.arch_name() +
                       " model, but this worker does not implement it");
    }
    if (!supported_type(t)) {
      throw ModelError("tensor '" + t.name + "' has type " + t.type_name() +
                       ", which this worker does not support (supported: F32, F16)");
    }
    unused.push_back(t.name);
  }
  return unused;
}

} // namespace worker::model
