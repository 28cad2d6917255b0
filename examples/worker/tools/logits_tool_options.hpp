// The command line shared by the two logits tools of scripts/gpu-llama-golden
// (cpu-reference-logits and llama-cpp-logits), so that both read it alike:
//
//   TOOL MODEL.gguf (--prompt TEXT | --prompt-ids 1,2,3) --tokens N --out FILE.json
//
// Header-only and standard C++ only: llama-cpp-logits is compiled outside the
// CMake build, against llama.cpp, with nothing else of this project.
#pragma once

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

// "1,2,3" or "1 2 3" -> {1, 2, 3}; nullopt when an item is not a number.
inline std::optional<std::vector<int32_t>> parse_token_ids(const std::string &text) {
  std::vector<int32_t> ids;
  std::string item;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',' || text[i] == ' ') {
      if (!item.empty()) {
        char *end = nullptr;
        const long id = std::strtol(item.c_str(), &end, 10);
        if (*end != '\0' || id < 0 || id > INT32_MAX) return std::nullopt;
        ids.push_back(static_cast<int32_t>(id));
      }
      item.clear();
    } else {
      item += text[i];
    }
  }
  return ids;
}

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
      const auto ids = parse_token_ids(argv[++i]);
      if (!ids || ids->empty()) {
        error = std::string("--prompt-ids: not a list of token ids: ") + argv[i];
        return std::nullopt;
      }
      o.prompt_ids = *ids;
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
