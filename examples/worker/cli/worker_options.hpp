// Command line of vram-only-worker, parsed without touching CUDA so that it
// can be tested anywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace worker::cli {

// Documented exit codes of vram-only-worker (docs/worker.md).
enum ExitCode : int {
  kExitOk = 0,             // generated (and served) with every allocation resident
  kExitRuntimeError = 1,   // CUDA failure, HTTP server could not start, ...
  kExitUsage = 2,          // bad command line
  kExitBadModel = 3,       // the model file is not valid GGUF or not a runnable qwen2/llama model
  kExitNoDevice = 4,       // no usable CUDA device
  kExitViolation = 5,      // ran to the end, but the VRAM-only policy was violated
};

enum class Violation { None, ManagedKv, PinnedWeights };

struct WorkerOptions {
  std::string model_path;
  std::string prompt = "Hello";
  std::vector<int32_t> prompt_ids;  // --prompt-ids: the prompt as token ids (no tokenizer, no BOS added)
  uint32_t tokens = 16;
  uint32_t prefill_batch = 0;       // prompt tokens per forward pass; 0: the engine's default (512)
  std::string logits_out;           // --logits-out: write every position's logits (JSON) here
  uint32_t ctx = 0;                 // 0: the model's context length
  std::string host = "127.0.0.1";
  uint16_t port = 8080;             // 0: any free port (printed on stderr)
  uint32_t sweep_interval_ms = 1000;
  int device = 0;
  bool serve = false;
  bool ignore_eos = false;
  bool no_server = false;
  Violation violate = Violation::None;
  bool help = false;
};

struct ParseResult {
  std::optional<WorkerOptions> options; // empty on error
  std::string error;                    // the message for stderr
};

ParseResult parse_worker_options(const std::vector<std::string> &args);
std::string worker_usage();
const char *to_string(Violation v) noexcept;

} // namespace worker::cli
