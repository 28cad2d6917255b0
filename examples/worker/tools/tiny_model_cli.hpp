// The command line shared by make-tiny-qwen2 and make-tiny-llama: writes a
// tiny random model (model/tiny_qwen2.hpp) as a GGUF file, optionally with a
// JSON manifest of exactly what was meant to be written (for cross-checks
// with other GGUF readers).
#pragma once

#include "gguf/gguf_json.hpp"
#include "model/model_error.hpp"
#include "model/tiny_qwen2.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace worker::tools {

inline bool parse_u64(const std::string &text, uint64_t &out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) {
    return false;
  }
  out = std::stoull(text);
  return true;
}

// `defaults`: the options before the command line (the tool's architecture).
inline int tiny_model_main(int argc, char **argv, const char *tool, model::TinyModelOptions defaults) {
  const std::string usage_text =
      std::string("usage: ") + tool +
      " OUT.gguf [--preset NAME] [--seed N] [--layers N] [--ctx N] [--embd N] [--heads N]\n"
      "       [--kv-heads N] [--ff N] [--vocab-size N] [--vocab spm|bpe] [--tied] [--all-f32 | --all-f16]\n"
      "       [--alignment N] [--manifest OUT.json] [--print-fnv]\n"
      "presets (the llama.cpp comparison's models): qwen2-f32 qwen2-f16 llama-spm-f32 llama-spm-f16\n"
      "       llama-bpe-f16 bench-llama-1b (options after --preset change it)\n";
  auto usage = [&](const std::string &message) {
    std::cerr << tool << ": " << message << "\n" << usage_text;
    return 2;
  };
  model::TinyModelOptions options = defaults;
  std::string out_path, manifest_path;
  bool print_fnv = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](uint64_t &out, uint64_t min, uint64_t max) {
      if (i + 1 >= argc || !parse_u64(argv[i + 1], out) || out < min || out > max) {
        return false;
      }
      ++i;
      return true;
    };
    uint64_t n = 0;
    auto u32 = [&](uint32_t &field, uint64_t min, uint64_t max) {
      if (!value(n, min, max)) return false;
      field = static_cast<uint32_t>(n);
      return true;
    };
    if (arg == "--preset") {
      if (i + 1 >= argc) return usage("--preset needs a name");
      const auto preset = model::tiny_model_preset(argv[++i]);
      if (!preset) return usage(std::string("unknown preset '") + argv[i] + "'");
      options = *preset;
    } else if (arg == "--seed") {
      if (!value(options.seed, 0, UINT64_MAX)) return usage("--seed needs a number");
    } else if (arg == "--layers") {
      if (!u32(options.n_layer, 1, 256)) return usage("--layers needs a number in 1..256");
    } else if (arg == "--ctx") {
      if (!u32(options.n_ctx, 1, 1u << 20)) return usage("--ctx needs a number in 1..1048576");
    } else if (arg == "--embd") {
      if (!u32(options.n_embd, 2, 1u << 16)) return usage("--embd needs a number in 2..65536");
    } else if (arg == "--heads") {
      if (!u32(options.n_head, 1, 1024)) return usage("--heads needs a number in 1..1024");
    } else if (arg == "--kv-heads") {
      if (!u32(options.n_head_kv, 1, 1024)) return usage("--kv-heads needs a number in 1..1024");
    } else if (arg == "--ff") {
      if (!u32(options.n_ff, 1, 1u << 18)) return usage("--ff needs a number in 1..262144");
    } else if (arg == "--vocab-size") {
      if (!u32(options.n_vocab, 1, 1u << 20)) return usage("--vocab-size needs a number in 1..1048576");
    } else if (arg == "--vocab") {
      const std::string kind = i + 1 < argc ? argv[++i] : "";
      if (kind == "spm") {
        options.vocab = model::TinyVocabKind::SentencePiece;
      } else if (kind == "bpe") {
        options.vocab = model::TinyVocabKind::Gpt2;
        options.pre = options.architecture == "llama" ? "llama-bpe" : "qwen2";
      } else {
        return usage("--vocab needs spm or bpe");
      }
    } else if (arg == "--alignment") {
      if (!u32(options.alignment, 1, 1u << 20)) return usage("--alignment needs a power of two");
    } else if (arg == "--tied") {
      options.tied_output = true;
    } else if (arg == "--all-f32") {
      options.all_f32 = true;
      options.all_f16 = false;
    } else if (arg == "--all-f16") {
      options.all_f16 = true;
      options.all_f32 = false;
    } else if (arg == "--manifest") {
      if (i + 1 >= argc) return usage("--manifest needs a path");
      manifest_path = argv[++i];
    } else if (arg == "--print-fnv") {
      print_fnv = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << usage_text;
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage("unknown option " + arg);
    } else if (out_path.empty()) {
      out_path = arg;
    } else {
      return usage("more than one output path");
    }
  }
  if (out_path.empty()) {
    return usage("no output path");
  }
  try {
    const gguf::Writer writer = model::make_tiny_model(options);
    writer.write(out_path);
    if (print_fnv) {
      std::printf("%016" PRIx64 "\n", model::fnv1a64(writer.to_bytes()));
    }
    if (!manifest_path.empty()) {
      std::ofstream manifest(manifest_path);
      manifest << gguf::writer_to_json(writer, true).dump() << "\n";
      if (!manifest) {
        std::cerr << tool << ": cannot write " << manifest_path << "\n";
        return 1;
      }
    }
  } catch (const std::exception &e) {
    std::cerr << tool << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

} // namespace worker::tools
