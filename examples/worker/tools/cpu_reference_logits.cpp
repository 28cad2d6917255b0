// cpu-reference-logits: greedy decoding with the CPU reference forward pass
// (model/cpu_reference.hpp), writing the same JSON as `vram-only-worker
// --logits-out` and llama-cpp-logits: the prompt tokens, the generated
// tokens and the logits of every position. The third opinion in
// scripts/gpu-llama-golden, and runnable anywhere.
//
//   cpu-reference-logits MODEL.gguf (--prompt TEXT | --prompt-ids 1,2,3) --tokens N --out FILE.json
#include "gguf/gguf_file.hpp"
#include "model/cpu_reference.hpp"
#include "model/tokenizer.hpp"
#include "tools/logits_tool_options.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  using namespace worker;
  std::string error;
  const auto options = tools::parse_logits_tool_options(argc, argv, error);
  if (!options) {
    std::cerr << "cpu-reference-logits: " << error
              << "\nusage: cpu-reference-logits MODEL.gguf (--prompt TEXT | --prompt-ids IDS) --tokens N --out FILE\n";
    return 2;
  }
  const int tokens = options->tokens;
  const std::string &out_path = options->out_path;
  try {
    const gguf::File file = gguf::File::open(options->model_path);
    std::vector<int32_t> prompt_tokens = options->prompt_ids;
    if (options->prompt) {
      const model::Qwen2Config config = model::Qwen2Config::from_gguf(file);
      prompt_tokens = model::Tokenizer::from_gguf(file, config.n_vocab).encode(*options->prompt);
    }
    if (prompt_tokens.empty()) {
      std::cerr << "cpu-reference-logits: the prompt has no tokens\n";
      return 2;
    }
    model::CpuQwen2 reference(file, static_cast<uint32_t>(prompt_tokens.size() + tokens));
    std::vector<std::vector<float>> logits;
    for (int32_t t : prompt_tokens) {
      logits.push_back(reference.forward(t));
    }
    std::vector<int32_t> generated;
    for (;;) {
      const std::vector<float> &last = logits.back();
      const int32_t next = model::reference::argmax(last.data(), last.size());
      generated.push_back(next);
      if (static_cast<int>(generated.size()) == tokens) break;
      logits.push_back(reference.forward(next));
    }
    nlohmann::ordered_json dump;
    dump["prompt_tokens"] = prompt_tokens;
    dump["generated_tokens"] = generated;
    dump["logits"] = logits;
    std::ofstream out(out_path);
    out << dump.dump() << "\n";
    if (!out) {
      std::cerr << "cpu-reference-logits: cannot write " << out_path << "\n";
      return 1;
    }
  } catch (const std::exception &e) {
    std::cerr << "cpu-reference-logits: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
