// The worker against llama.cpp's own output (ctest label "gpu"): the golden
// file test/worker/golden/llama_cpp_logits.json holds llama.cpp's greedy
// tokens and top logits for the tiny models of make-tiny-llama --preset on
// the prompts of test/worker/golden/prompts.txt (scripts/gpu-llama-golden
// writes it on a GPU machine). The models are regenerated here (the
// generator is deterministic; the file's FNV-1a must match), run through the
// engine -- the prompt as one batch, then llama.cpp's tokens one at a time --
// and every position's logits and greedy token compared. Skips only where no
// CUDA GPU is; a missing golden file fails.
#include "engine/qwen2_engine.hpp"
#include "gguf_test_util.hpp"
#include "model/tiny_qwen2.hpp"

#include <vram_only/vram_only.hpp>

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

namespace worker {
namespace {

std::string golden_path() {
  const char *env = std::getenv("VRAM_ONLY_LLAMA_GOLDEN");
  return env != nullptr && *env != '\0' ? env : VRAM_ONLY_LLAMA_GOLDEN_FILE;
}

class WorkerLlamaCppGolden : public ::testing::Test {
protected:
  void SetUp() override {
    int devices = 0;
    const cudaError_t e = cudaGetDeviceCount(&devices);
    if (e != cudaSuccess || devices == 0) {
      GTEST_SKIP() << "no CUDA GPU (" << (e != cudaSuccess ? cudaGetErrorName(e) : "no CUDA devices")
                   << "): the llama.cpp golden comparison skipped";
    }
    ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
    vram_only::set_tensor_check_action(vram_only::ViolationAction::Throw);
  }
};

struct Worst {
  double diff = 0;
  size_t position = 0;
};

// Compares our logits at one position with llama.cpp's top entries; returns
// our greedy choice's agreement as a failure message (empty: agrees).
void compare_position(const std::vector<float> &ours, const nlohmann::json &top, double tolerance,
                      const std::string &where, Worst &worst, size_t position) {
  for (const auto &entry : top) {
    const size_t id = entry[0].get<size_t>();
    const double theirs = entry[1].get<double>();
    ASSERT_LT(id, ours.size()) << where;
    const double diff = std::fabs(ours[id] - theirs);
    if (diff > worst.diff) worst = {diff, position};
    EXPECT_LE(diff, tolerance) << where << ": logit of token " << id << " is " << ours[id] << ", llama.cpp "
                               << theirs;
  }
  const int32_t our_best = static_cast<int32_t>(std::max_element(ours.begin(), ours.end()) - ours.begin());
  const int32_t their_best = top[0][0].get<int32_t>();
  const double their_margin = top[0][1].get<double>() - top[1][1].get<double>();
  if (their_margin > 2 * tolerance) {
    EXPECT_EQ(our_best, their_best) << where << " (llama.cpp's margin " << their_margin << ")";
  }
}

TEST_F(WorkerLlamaCppGolden, MatchesLlamaCppTokensAndLogits) {
  const std::string path = golden_path();
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path
                         << ": run scripts/gpu-llama-golden on a GPU machine and commit its llama_cpp_logits.json "
                            "as test/worker/golden/llama_cpp_logits.json";
  const nlohmann::json golden = nlohmann::json::parse(in);
  ASSERT_FALSE(golden.at("cases").empty());
  for (const auto &c : golden.at("cases")) {
    const std::string preset = c.at("preset");
    const std::string where = preset + " \"" + c.at("prompt").get<std::string>() + "\"";
    SCOPED_TRACE(where);
    const auto options = model::tiny_model_preset(preset);
    ASSERT_TRUE(options.has_value()) << "unknown preset " << preset;
    const std::vector<uint8_t> bytes = model::make_tiny_model(*options).to_bytes();
    char fnv[17];
    std::snprintf(fnv, sizeof fnv, "%016llx", static_cast<unsigned long long>(model::fnv1a64(bytes)));
    ASSERT_EQ(std::string(fnv), c.at("fnv1a64").get<std::string>())
        << "make-tiny-llama --preset " << preset << " no longer writes the model the golden file was made from";
    test::TempFile model_file(".gguf");
    model_file.write(bytes);
    const gguf::File file = gguf::File::open(model_file.path());

    const auto prompt = c.at("prompt_tokens").get<std::vector<int32_t>>();
    const auto generated = c.at("generated_tokens").get<std::vector<int32_t>>();
    const auto &top = c.at("top");
    ASSERT_EQ(top.size(), prompt.size() + generated.size() - 1);
    const double tolerance = c.at("rel_tolerance").get<double>() * c.at("max_abs_logit").get<double>();

    vram_only::VramTracker tracker;
    engine::EngineOptions eo;
    eo.n_ctx = static_cast<uint32_t>(prompt.size() + generated.size() + 8);
    eo.n_batch = static_cast<uint32_t>(prompt.size());
    eo.all_logits = true;
    engine::Qwen2Engine engine(file, tracker, eo);
    Worst worst;
    // The prompt in one batch: every position's logits.
    int32_t next = engine.prefill(prompt);
    const std::vector<std::vector<float>> rows = engine.batch_logits();
    ASSERT_EQ(rows.size(), prompt.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      compare_position(rows[i], top[i], tolerance, where + " position " + std::to_string(i), worst, i);
    }
    // Then llama.cpp's tokens one at a time (teacher forcing: one early
    // difference does not hide the later positions).
    for (size_t j = 0; j < generated.size(); ++j) {
      EXPECT_EQ(next, generated[j]) << where << ": greedy token " << j;
      if (j + 1 == generated.size()) break;
      next = engine.step(generated[j]);
      const size_t position = prompt.size() + j;
      compare_position(engine.logits(), top[position], tolerance, where + " position " + std::to_string(position),
                       worst, position);
    }
    std::cout << "[ golden   ] " << where << ": " << generated.size() << " tokens, max |logit - llama.cpp| "
              << worst.diff << " (tolerance " << tolerance << ") at position " << worst.position << "\n";
  }
}

} // namespace
} // namespace worker
