// The command line shared by the two logits tools of scripts/gpu-llama-golden
// (cpu-reference-logits and llama-cpp-logits), so that both read it alike:
//
//   TOOL MODEL.gguf (--prompt TEXT | --prompt-ids 1,2,3) --tokens N --out FILE.json
//
// Header-only and standard C++ only: llama-cpp-logits is compiled outside the
// CMake build, against llama.cpp, with -I examples/worker and nothing else of
// this project.
#pragma once

#include "cli/token_ids.hpp"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace worker::tools {

struct LogitsToolOptions {
  std::string model_path;
  std::optional<std::string> prompt;        // --prompt: text the tool tokenizes
  std::vector<int32_t> prompt_ids;           // --prompt-ids: token ids as given
  int tokens = 0;                            // --tokens: greedy tokens to generate
  std::string out_path;                      // --out: the JSON document
};

// The options, or nullopt with `error` saying what is wrong.
inline std::optional<LogitsToolOptions> parse_logits_tool_options(int argc, char **argv, std::string &error) {
  LogitsToolOptions o;
  bool have_ids = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--prompt" && has_value) {
      o.prompt = argv[++i];
    } else if (arg == "--prompt-ids" && has_value) {
      std::string bad;
      if (!cli::parse_token_ids(argv[++i], o.prompt_ids, bad)) {
        error = "--prompt-ids: '" + bad + "' is not a token id";
        return std::nullopt;
      }
      if (o.prompt_ids.empty()) {
        error = "--prompt-ids needs at least one token id";
        return std::nullopt;
      }
      have_ids = true;
    } else if (arg == "--tokens" && has_value) {
      o.tokens = std::atoi(argv[++i]);
    } else if (arg == "--out" && has_value) {
      o.out_path = argv[++i];
    } else if (!arg.empty() && arg[0] != '-' && o.model_path.empty()) {
      o.model_path = arg;
    } else {
      error = "bad argument " + arg;
      return std::nullopt;
    }
  }
  if (o.model_path.empty() || o.out_path.empty() || o.tokens < 1 || o.prompt.has_value() == have_ids) {
    error = "need a model, one of --prompt/--prompt-ids, --tokens >= 1 and --out";
    return std::nullopt;
  }
  return o;
}

} // namespace worker::tools
