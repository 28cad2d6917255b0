// llama-cpp-logits: greedy decoding with llama.cpp (through llama.h), writing
// the prompt tokens, the generated tokens and the logits of every position
// as JSON -- the same document as `vram-only-worker --logits-out`, so that
// scripts/gpu-llama-golden can compare the two. Not part of the CMake build
// (llama.cpp is not a dependency of this project): the script compiles it on
// the GPU machine against the llama.cpp it built.
//
//   llama-cpp-logits MODEL.gguf (--prompt TEXT | --prompt-ids 1,2,3) --tokens N --out FILE.json
//
// Settings, chosen so that the comparison measures the forward pass and not
// storage formats: every layer on the GPU, the KV cache in F32 (llama.cpp's
// default is F16), flash attention off, one sequence, logits of every
// position; the prompt goes in one batch, then one token at a time.
#include "llama.h"
#include "tools/logits_tool_options.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int usage(const char *message) {
  std::fprintf(stderr,
               "llama-cpp-logits: %s\nusage: llama-cpp-logits MODEL.gguf (--prompt TEXT | --prompt-ids IDS) "
               "--tokens N --out FILE.json\n",
               message);
  return 2;
}

int32_t argmax(const float *logits, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return best;
}

void write_ids(FILE *f, const std::vector<llama_token> &ids) {
  std::fputc('[', f);
  for (size_t i = 0; i < ids.size(); ++i) std::fprintf(f, "%s%d", i ? "," : "", ids[i]);
  std::fputc(']', f);
}

void quiet_log(enum ggml_log_level level, const char *text, void *) {
  if (level >= GGML_LOG_LEVEL_WARN) std::fputs(text, stderr);
}

} // namespace

int main(int argc, char **argv) {
  std::string error;
  const auto options = worker::tools::parse_logits_tool_options(argc, argv, error);
  if (!options) return usage(error.c_str());
  const std::string &model_path = options->model_path;
  const std::string &out_path = options->out_path;
  const int tokens = options->tokens;

  llama_log_set(quiet_log, nullptr);
  llama_backend_init();
  llama_model_params mparams = llama_model_default_params();
  mparams.n_gpu_layers = 999;
  llama_model *model = llama_model_load_from_file(model_path.c_str(), mparams);
  if (model == nullptr) {
    std::fprintf(stderr, "llama-cpp-logits: llama.cpp cannot load %s\n", model_path.c_str());
    return 3;
  }
  const llama_vocab *vocab = llama_model_get_vocab(model);
  const int32_t n_vocab = llama_vocab_n_tokens(vocab);

  std::vector<llama_token> prompt_tokens(options->prompt_ids.begin(), options->prompt_ids.end());
  if (options->prompt) {
    const std::string &prompt = *options->prompt;
    const int32_t n = -llama_tokenize(vocab, prompt.c_str(), static_cast<int32_t>(prompt.size()), nullptr, 0,
                                      /*add_special=*/true, /*parse_special=*/true);
    prompt_tokens.resize(static_cast<size_t>(n));
    if (llama_tokenize(vocab, prompt.c_str(), static_cast<int32_t>(prompt.size()), prompt_tokens.data(), n, true,
                       true) != n) {
      std::fprintf(stderr, "llama-cpp-logits: tokenization failed\n");
      return 1;
    }
  }
  if (prompt_tokens.empty()) {
    return usage("the prompt has no tokens");
  }
  const int32_t n_prompt = static_cast<int32_t>(prompt_tokens.size());

  llama_context_params cparams = llama_context_default_params();
  cparams.n_ctx = static_cast<uint32_t>(n_prompt + tokens + 16);
  cparams.n_batch = static_cast<uint32_t>(n_prompt < 32 ? 32 : n_prompt);
  cparams.n_ubatch = cparams.n_batch;
  cparams.n_seq_max = 1;
  cparams.type_k = GGML_TYPE_F32;
  cparams.type_v = GGML_TYPE_F32;
  cparams.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cparams.no_perf = true;
  llama_context *ctx = llama_init_from_model(model, cparams);
  if (ctx == nullptr) {
    std::fprintf(stderr, "llama-cpp-logits: cannot create a context\n");
    return 1;
  }

  std::vector<std::vector<float>> logits;
  llama_batch batch = llama_batch_init(n_prompt, 0, 1);
  for (int32_t i = 0; i < n_prompt; ++i) {
    batch.token[i] = prompt_tokens[static_cast<size_t>(i)];
    batch.pos[i] = i;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;
  }
  batch.n_tokens = n_prompt;
  if (llama_decode(ctx, batch) != 0) {
    std::fprintf(stderr, "llama-cpp-logits: llama_decode failed on the prompt\n");
    return 1;
  }
  for (int32_t i = 0; i < n_prompt; ++i) {
    const float *row = llama_get_logits_ith(ctx, i);
    logits.emplace_back(row, row + n_vocab);
  }
  llama_batch_free(batch);

  std::vector<llama_token> generated;
  llama_token next = argmax(logits.back().data(), n_vocab);
  for (;;) {
    generated.push_back(next);
    if (static_cast<int>(generated.size()) == tokens) break;
    llama_batch one = llama_batch_get_one(&next, 1);
    if (llama_decode(ctx, one) != 0) {
      std::fprintf(stderr, "llama-cpp-logits: llama_decode failed at token %zu\n", generated.size());
      return 1;
    }
    const float *row = llama_get_logits_ith(ctx, -1);
    logits.emplace_back(row, row + n_vocab);
    next = argmax(row, n_vocab);
  }

  FILE *f = std::fopen(out_path.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "llama-cpp-logits: cannot write %s\n", out_path.c_str());
    return 1;
  }
  std::fprintf(f, "{\"prompt_tokens\":");
  write_ids(f, prompt_tokens);
  std::fprintf(f, ",\"generated_tokens\":");
  write_ids(f, generated);
  std::fprintf(f, ",\"logits\":[");
  for (size_t p = 0; p < logits.size(); ++p) {
    std::fprintf(f, "%s[", p ? "," : "");
    for (int32_t i = 0; i < n_vocab; ++i) std::fprintf(f, "%s%.9g", i ? "," : "", logits[p][static_cast<size_t>(i)]);
    std::fputc(']', f);
  }
  std::fprintf(f, "]}\n");
  std::fclose(f);
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
