// The tensors of a qwen2 or llama model in GGUF (names, shapes, types), and a
// container of per-tensor handles that the CPU reference (host arrays) and
// the CUDA engine (device tensors) both fill from the same layout.
#pragma once

#include "gguf/gguf_file.hpp"
#include "model/model_error.hpp"
#include "model/qwen2_config.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace worker::model {

struct ExpectedTensor {
  std::string name;
  std::vector<uint64_t> dims; // GGUF order: dims[0] is the input (column) dimension
};

// Every tensor the forward pass reads, in file order of a typical Qwen2
// GGUF. output.weight is left out when the file ties it to token_embd; the
// Q/K/V biases when config.qkv_bias is false.
std::vector<ExpectedTensor> qwen2_expected_tensors(const Qwen2Config &config, bool tied_output);

// True when the file has no output.weight (the LM head reuses token_embd).
bool qwen2_output_is_tied(const gguf::File &file);

// Checks every expected tensor for presence, shape and type (F32 or F16).
// Returns the names of tensors in the file that the forward pass does not
// read (they are still uploaded). Throws ModelError for a tensor of another
// type (never uploaded under a wrong label), and for a tensor that llama.cpp
// applies for this architecture but this worker does not (fused QKV, output
// or MLP biases, llama's rope_freqs): running without it would give other
// results than llama.cpp.
std::vector<std::string> validate_qwen2_tensors(const gguf::File &file, const Qwen2Config &config);

// "blk.3.attn_q.weight"
std::string layer_tensor_name(uint32_t layer, const char *suffix);

template <typename Tensor> struct Qwen2Weights {
  struct Layer {
    Tensor attn_norm, wq, bq, wk, bk, wv, bv, wo, ffn_norm, w_gate, w_up, w_down; // b*: Tensor{} without biases
  };
  Tensor token_embd, output_norm, output; // output == token_embd when tied
  std::vector<Layer> layers;

  // Fills every handle with make(name). Called after validate_qwen2_tensors.
  static Qwen2Weights build(const Qwen2Config &config, bool tied_output,
                            const std::function<Tensor(const std::string &)> &make) {
    Qwen2Weights w;
    w.token_embd = make("token_embd.weight");
    w.output_norm = make("output_norm.weight");
    w.output = tied_output ? w.token_embd : make("output.weight");
    w.layers.resize(config.n_layer);
    for (uint32_t i = 0; i < config.n_layer; ++i) {
      Layer &l = w.layers[i];
      l.attn_norm = make(layer_tensor_name(i, "attn_norm.weight"));
      l.wq = make(layer_tensor_name(i, "attn_q.weight"));
      if (config.qkv_bias) {
        l.bq = make(layer_tensor_name(i, "attn_q.bias"));
        l.bk = make(layer_tensor_name(i, "attn_k.bias"));
        l.bv = make(layer_tensor_name(i, "attn_v.bias"));
      }
      l.wk = make(layer_tensor_name(i, "attn_k.weight"));
      l.wv = make(layer_tensor_name(i, "attn_v.weight"));
      l.wo = make(layer_tensor_name(i, "attn_output.weight"));
      l.ffn_norm = make(layer_tensor_name(i, "ffn_norm.weight"));
      l.w_gate = make(layer_tensor_name(i, "ffn_gate.weight"));
      l.w_up = make(layer_tensor_name(i, "ffn_up.weight"));
      l.w_down = make(layer_tensor_name(i, "ffn_down.weight"));
    }
    return w;
  }
};

} // namespace worker::model
