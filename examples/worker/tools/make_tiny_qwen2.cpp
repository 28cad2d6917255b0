// make-tiny-qwen2: writes the tiny Qwen2 test model (random weights from a
// fixed seed) as a GGUF file, optionally with a JSON manifest of exactly what
// was meant to be written (for cross-checks with other GGUF readers).
//
//   make-tiny-qwen2 OUT.gguf [--seed N] [--layers N] [--ctx N] [--tied]
//                   [--all-f32] [--alignment N] [--manifest OUT.json]
#include "gguf/gguf_json.hpp"
#include "model/model_error.hpp"
#include "model/tiny_qwen2.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace {

int usage(const char *message) {
  std::cerr << "make-tiny-qwen2: " << message << "\n"
            << "usage: make-tiny-qwen2 OUT.gguf [--seed N] [--layers N] [--ctx N] [--tied]\n"
            << "                       [--all-f32] [--alignment N] [--manifest OUT.json]\n";
  return 2;
}

bool parse_u64(const std::string &text, uint64_t &out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) {
    return false;
  }
  out = std::stoull(text);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  worker::model::TinyQwen2Options options;
  std::string out_path, manifest_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](uint64_t &out, uint64_t max) {
      if (i + 1 >= argc || !parse_u64(argv[i + 1], out) || out > max) {
        return false;
      }
      ++i;
      return true;
    };
    uint64_t n = 0;
    if (arg == "--seed") {
      if (!value(options.seed, UINT64_MAX)) return usage("--seed needs a number");
    } else if (arg == "--layers") {
      if (!value(n, 64) || n == 0) return usage("--layers needs a number in 1..64");
      options.n_layer = static_cast<uint32_t>(n);
    } else if (arg == "--ctx") {
      if (!value(n, 1u << 20) || n == 0) return usage("--ctx needs a number in 1..1048576");
      options.n_ctx = static_cast<uint32_t>(n);
    } else if (arg == "--alignment") {
      if (!value(n, 1u << 20) || n == 0) return usage("--alignment needs a power of two");
      options.alignment = static_cast<uint32_t>(n);
    } else if (arg == "--tied") {
      options.tied_output = true;
    } else if (arg == "--all-f32") {
      options.all_f32 = true;
    } else if (arg == "--manifest") {
      if (i + 1 >= argc) return usage("--manifest needs a path");
      manifest_path = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      usage("writes the tiny Qwen2 test model");
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage(("unknown option " + arg).c_str());
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
    const worker::gguf::Writer writer = worker::model::make_tiny_qwen2(options);
    writer.write(out_path);
    if (!manifest_path.empty()) {
      std::ofstream manifest(manifest_path);
      manifest << worker::gguf::writer_to_json(writer, true).dump() << "\n";
      if (!manifest) {
        std::cerr << "make-tiny-qwen2: cannot write " << manifest_path << "\n";
        return 1;
      }
    }
  } catch (const std::exception &e) {
    std::cerr << "make-tiny-qwen2: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
