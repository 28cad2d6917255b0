// vram-only-worker: a small CUDA inference worker for qwen2- and
// llama-architecture GGUF models (F32/F16) that keeps every weight, KV-cache page and activation in
// VRAM, proves it with the vram-only runtime (tracker, tensor checks,
// periodic residency sweeps) and serves GET /health and GET /metrics.
//
//   vram-only-worker MODEL.gguf --prompt "Hello" --tokens 16 [--serve]
//
// stdout: the prompt and generated token ids, the text, then one JSON line.
// stderr: log lines ("[worker] LEVEL: ..." and the runtime's "[vram-only] ...").
// Exit codes: see cli/worker_options.hpp and docs/worker.md.
#include "cli/worker_options.hpp"
#include "engine/qwen2_engine.hpp"
#include "gguf/gguf_file.hpp"
#include "gguf/printable.hpp"
#include "model/model_error.hpp"
#include "model/tokenizer.hpp"

#include <vram_only/health_server.hpp>
#include <vram_only/vram_only.hpp>

#include <cuda_runtime_api.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <poll.h>
#include <sstream>
#include <string>
#include <utility>
#include <unistd.h>
#include <vector>

namespace {

using namespace worker;
using cli::ExitCode;

// ---- logging ---------------------------------------------------------------

void log_line(const char *level, const std::string &message) {
  // Messages quote the model's name and tensor names: no raw control bytes.
  const std::string line = std::string("[worker] ") + level + ": " + gguf::printable(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}
void info(const std::string &m) { log_line("INFO", m); }
void warn(const std::string &m) { log_line("WARNING", m); }
void error(const std::string &m) { log_line("ERROR", m); }

std::string mib(uint64_t bytes) {
  std::ostringstream s;
  s.precision(bytes < (10u << 20) ? 3 : 1);
  s << std::fixed << static_cast<double>(bytes) / (1 << 20) << " MiB";
  return s.str();
}

// ---- SIGINT / SIGTERM --------------------------------------------------------
// The handler sets a flag and writes a byte to a pipe, both async-signal-safe;
// the main thread polls the pipe while serving and checks the flag between
// tokens.

std::atomic<int> g_signal{0};
int g_signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int signo) {
  g_signal.store(signo);
  const char byte = 1;
  const ssize_t ignored = write(g_signal_pipe[1], &byte, 1);
  (void)ignored;
}

bool install_signal_handlers() {
  if (pipe(g_signal_pipe) != 0) {
    return false;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  return sigaction(SIGINT, &action, nullptr) == 0 && sigaction(SIGTERM, &action, nullptr) == 0;
}

void wait_for_signal() {
  pollfd fd{g_signal_pipe[0], POLLIN, 0};
  while (g_signal.load() == 0) {
    const int r = poll(&fd, 1, -1);
    if (r < 0 && errno != EINTR) {
      return;
    }
  }
}

const char *signal_name(int signo) { return signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "signal"; }

// ---- the run: one function per step ------------------------------------------------
// run() calls them in order: load the model, tokenize the prompt, open the
// device, upload weights and allocate the KV cache and activations, start
// health, generate, report, shut down. A step that fails returns the exit
// status (and has printed why); the others return std::nullopt.

using Failure = std::optional<int>;

// The model file, read and checked on the CPU: bad files fail here, before
// CUDA is touched.
struct Model {
  std::optional<gguf::File> file;
  std::optional<model::Qwen2Config> config;
  std::optional<model::Tokenizer> tokenizer;
};

Failure load_model(const cli::WorkerOptions &o, Model &m) {
  try {
    m.file.emplace(gguf::File::open(o.model_path));
    m.config.emplace(model::Qwen2Config::from_gguf(*m.file));
    // One line however many: a file with 20,000 extra tensors must not
    // write 20,000 lines.
    const std::vector<std::string> unused = model::validate_qwen2_tensors(*m.file, *m.config);
    if (!unused.empty()) {
      warn(gguf::name_summary(unused, "tensor") + " not read by the " + m.config->arch_name() +
           " forward pass (uploaded anyway)");
    }
    m.tokenizer.emplace(model::Tokenizer::from_gguf(*m.file, m.config->n_vocab));
  } catch (const gguf::Error &e) {
    std::cerr << "vram-only-worker: bad model file: " << e.what() << "\n";
    return cli::kExitBadModel;
  } catch (const model::ModelError &e) {
    std::cerr << "vram-only-worker: bad model file: " << o.model_path << ": " << e.what() << "\n";
    return cli::kExitBadModel;
  }
  return std::nullopt;
}

// The prompt's token ids (--prompt-ids as given, else --prompt tokenized) and
// the KV cache length they need.
Failure tokenize_prompt(const cli::WorkerOptions &o, const Model &m, std::vector<int32_t> &prompt,
                        uint32_t &n_ctx) {
  prompt = o.prompt_ids.empty() ? m.tokenizer->encode(o.prompt) : o.prompt_ids;
  if (prompt.empty()) {
    std::cerr << "vram-only-worker: the prompt is empty; give --prompt some text\n";
    return cli::kExitUsage;
  }
  for (int32_t id : prompt) {
    if (static_cast<uint32_t>(id) >= m.config->n_vocab) {
      std::cerr << "vram-only-worker: --prompt-ids: token id " << id << " is not in the vocabulary of "
                << m.config->n_vocab << "\n";
      return cli::kExitUsage;
    }
  }
  n_ctx = o.ctx != 0 ? o.ctx : m.config->n_ctx_train;
  if (prompt.size() + o.tokens > static_cast<uint64_t>(n_ctx) + 1) {
    std::cerr << "vram-only-worker: " << prompt.size() << " prompt tokens + " << o.tokens
              << " new tokens do not fit a context of " << n_ctx << " tokens (--ctx)\n";
    return cli::kExitUsage;
  }
  return std::nullopt;
}

Failure open_device(const cli::WorkerOptions &o) {
  int devices = 0;
  const cudaError_t probe = cudaGetDeviceCount(&devices);
  if (probe != cudaSuccess || devices == 0) {
    std::cerr << "vram-only-worker: no usable CUDA device ("
              << (probe != cudaSuccess ? std::string(cudaGetErrorName(probe)) + ": " + cudaGetErrorString(probe)
                                       : std::string("no devices"))
              << ")\n";
    return cli::kExitNoDevice;
  }
  if (o.device >= devices) {
    std::cerr << "vram-only-worker: CUDA device " << o.device << " does not exist (" << devices
              << " device" << (devices == 1 ? "" : "s") << ")\n";
    return cli::kExitNoDevice;
  }
  kernels::check(cudaSetDevice(o.device), "cudaSetDevice");
  cudaDeviceProp prop{};
  kernels::check(cudaGetDeviceProperties(&prop, o.device), "cudaGetDeviceProperties");
  info("CUDA device " + std::to_string(o.device) + ": " + prop.name);
  return std::nullopt;
}

// Weights, KV cache and activations, all tracked (the engine's constructor
// does the three in that order).
Failure load_engine(const cli::WorkerOptions &o, const Model &m, uint32_t n_ctx, size_t prompt_size,
                    vram_only::VramTracker &tracker, std::optional<engine::Qwen2Engine> &engine) {
  engine::EngineOptions options;
  options.n_ctx = n_ctx;
  options.n_batch = o.prefill_batch;
  if (!o.logits_out.empty()) { // the whole prompt in one batch, every position's logits kept
    options.all_logits = true;
    options.n_batch = static_cast<uint32_t>(std::max<size_t>(prompt_size, o.prefill_batch));
  }
  options.managed_kv = o.violate == cli::Violation::ManagedKv;
  if (o.violate == cli::Violation::PinnedWeights) {
    options.pinned_weight = engine::kPinnedViolationTensor;
  }
  if (o.violate != cli::Violation::None) {
    warn(std::string("--violate=") + cli::to_string(o.violate) + ": " +
         (options.managed_kv ? "the KV cache goes to cudaMallocManaged memory"
                             : "tensor '" + options.pinned_weight + "' stays in cudaMallocHost memory"));
  }
  try {
    engine.emplace(*m.file, tracker, options);
  } catch (const model::ModelError &e) {
    std::cerr << "vram-only-worker: bad model file: " << o.model_path << ": " << e.what() << "\n";
    return cli::kExitBadModel;
  }
  const model::Qwen2Config &c = *m.config;
  info("loaded " + c.name + " (" + c.arch_name() + ": " + std::to_string(c.n_layer) + " layers, " +
       std::to_string(c.n_embd) + " embedding, " + std::to_string(c.n_head) + "/" + std::to_string(c.n_head_kv) +
       " heads, vocabulary " + std::to_string(c.n_vocab) + ")");
  info("VRAM: weights " + mib(engine->weight_bytes()) + " in " + std::to_string(engine->weights().size()) +
       " tensors, KV cache " + mib(engine->kv_cache_bytes()) + " (" + std::to_string(n_ctx) +
       " tokens), activations " + mib(engine->activation_bytes()) + " (batches of " +
       std::to_string(engine->n_batch()) + " tokens); " + std::to_string(tracker.live_count()) +
       " tracked allocations");
  return std::nullopt;
}

// The monitor's first sweep, then the HTTP server.
Failure start_health(const cli::WorkerOptions &o, vram_only::HealthMonitor &monitor,
                     std::optional<vram_only::HealthServer> &server) {
  monitor.start();
  const vram_only::HealthStatus first = monitor.status();
  info("first residency check: " + std::to_string(first.live_allocations) + " allocations, " +
       (first.healthy ? "all resident" : std::to_string(first.violations.size()) + " violating") +
       "; next checks every " + std::to_string(o.sweep_interval_ms) + " ms");
  if (o.no_server) {
    return std::nullopt;
  }
  server.emplace(monitor, vram_only::HealthServerOptions{o.host, o.port});
  try {
    server->start();
  } catch (const std::exception &e) {
    error(e.what());
    monitor.stop();
    return cli::kExitRuntimeError;
  }
  info("serving /health and /metrics on http://" + o.host + ":" + std::to_string(server->port()));
  return std::nullopt;
}

struct Generation {
  std::vector<int32_t> prompt_tokens;
  std::vector<int32_t> generated;
  std::string stop_reason = "length"; // length | eos | signal
  double prompt_seconds = 0;          // the prompt's forward passes, up to the first new token
  double generation_seconds = 0;      // every later token
  std::vector<std::vector<float>> logits; // with --logits-out: one row per position run
};

std::string join(const std::vector<int32_t> &ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    s += (i ? " " : "") + std::to_string(ids[i]);
  }
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Greedy decoding: the prompt in batches (prefill), then one token at a time.
Generation generate(engine::Qwen2Engine &engine, const model::Tokenizer &tokenizer,
                    const std::vector<int32_t> &prompt, const cli::WorkerOptions &o) {
  Generation g;
  g.prompt_tokens = prompt;
  const bool keep_logits = !o.logits_out.empty();
  auto started = std::chrono::steady_clock::now();
  int32_t next = engine.prefill(prompt);
  g.prompt_seconds = seconds_since(started);
  if (keep_logits) {
    g.logits = engine.batch_logits();
  }
  started = std::chrono::steady_clock::now();
  while (g.generated.size() < o.tokens) {
    g.generated.push_back(next);
    if (!o.ignore_eos && tokenizer.eos() && next == *tokenizer.eos()) {
      g.stop_reason = "eos";
      break;
    }
    if (g.generated.size() == o.tokens) {
      break;
    }
    if (g_signal.load() != 0) {
      g.stop_reason = "signal";
      break;
    }
    next = engine.step(next);
    if (keep_logits) {
      g.logits.push_back(engine.logits());
    }
  }
  g.generation_seconds = seconds_since(started);
  return g;
}

double per_second(size_t n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0.0; }

// stdout: the token ids, the text, one JSON summary line; --logits-out: the file.
Failure report(const cli::WorkerOptions &o, const Model &m, const Generation &g, vram_only::VramTracker &tracker,
               const vram_only::HealthStatus &status) {
  const std::string text = m.tokenizer->decode(g.generated);
  std::cout << "prompt tokens: " << join(g.prompt_tokens) << "\n"
            << "generated tokens: " << join(g.generated) << "\n"
            << "text: " << nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
  // Generated tokens after the first come from the decode loop; the first
  // comes with the prompt's forward pass.
  const size_t decoded = g.generated.empty() ? 0 : g.generated.size() - 1;
  nlohmann::ordered_json summary;
  summary["model"] = m.config->name;
  summary["architecture"] = m.config->arch_name();
  summary["prompt"] = o.prompt_ids.empty() ? nlohmann::ordered_json(o.prompt) : nlohmann::ordered_json(nullptr);
  summary["prompt_tokens"] = g.prompt_tokens;
  summary["generated_tokens"] = g.generated;
  summary["text"] = text;
  summary["stop_reason"] = g.stop_reason;
  summary["seconds"] = g.prompt_seconds + g.generation_seconds;
  summary["tokens_per_second"] =
      per_second(g.prompt_tokens.size() + g.generated.size(), g.prompt_seconds + g.generation_seconds);
  summary["prompt_seconds"] = g.prompt_seconds;
  summary["prompt_tokens_per_second"] = per_second(g.prompt_tokens.size(), g.prompt_seconds);
  summary["generation_seconds"] = g.generation_seconds;
  summary["generated_tokens_per_second"] = per_second(decoded, g.generation_seconds);
  summary["vram_bytes"] = {{"model_weights", tracker.usage(vram_only::VramPurpose::ModelWeights)},
                           {"kv_cache", tracker.usage(vram_only::VramPurpose::KvCache)},
                           {"activations", tracker.usage(vram_only::VramPurpose::Activations)},
                           {"total", tracker.total_usage()}};
  summary["resident"] = status.resident;
  summary["healthy"] = status.healthy;
  summary["violations"] = status.violations_total;
  std::cout << summary.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
  if (o.logits_out.empty()) {
    return std::nullopt;
  }
  nlohmann::ordered_json dump;
  dump["model"] = m.config->name;
  dump["architecture"] = m.config->arch_name();
  dump["prompt_tokens"] = g.prompt_tokens;
  dump["generated_tokens"] = g.generated;
  dump["logits"] = g.logits; // logits[i]: after the token at position i
  std::ofstream out(o.logits_out);
  out << dump.dump() << "\n";
  if (!out) {
    error("cannot write " + o.logits_out);
    return cli::kExitRuntimeError;
  }
  info("wrote the logits of " + std::to_string(g.logits.size()) + " positions to " + o.logits_out);
  return std::nullopt;
}

// --serve: wait for SIGINT/SIGTERM; then stop the server and the monitor and
// free every buffer. Exit status: 0 when every check found VRAM only, else 5.
int shut_down(const cli::WorkerOptions &o, std::optional<vram_only::HealthServer> &server,
              vram_only::HealthMonitor &monitor, std::optional<engine::Qwen2Engine> &engine,
              vram_only::VramTracker &tracker) {
  if (o.serve && g_signal.load() == 0) {
    info("generation done; serving until SIGINT or SIGTERM");
    wait_for_signal();
  }
  if (g_signal.load() != 0) {
    info(std::string("received ") + signal_name(g_signal.load()) + "; shutting down");
  }
  if (server) {
    server->stop();
  }
  const vram_only::HealthStatus last = monitor.check_now();
  monitor.stop();
  engine.reset(); // frees (and untracks) every buffer
  info("stopped; " + std::to_string(tracker.live_count()) + " tracked allocations left");
  return last.healthy ? cli::kExitOk : cli::kExitViolation;
}

int run(const cli::WorkerOptions &o) {
  Model model;
  if (Failure f = load_model(o, model)) return *f;
  std::vector<int32_t> prompt;
  uint32_t n_ctx = 0;
  if (Failure f = tokenize_prompt(o, model, prompt, n_ctx)) return *f;
  if (Failure f = open_device(o)) return *f;

  // Tracker and monitor first, so that tensor checks during loading already
  // reach the monitor; violations are reported, not fatal: the worker keeps
  // serving and /health answers 503.
  vram_only::TrackerOptions tracker_options;
  tracker_options.tensor_check_action = vram_only::ViolationAction::ReportAndMarkUnhealthy;
  vram_only::VramTracker tracker(std::move(tracker_options));
  vram_only::HealthMonitorOptions monitor_options;
  monitor_options.interval = std::chrono::milliseconds(o.sweep_interval_ms);
  vram_only::HealthMonitor monitor(tracker, monitor_options);
  monitor.on_violation([](const vram_only::Violation &v) {
    warn("VRAM-only violated by '" + v.label + "'; the worker keeps serving and /health answers 503");
  });

  std::optional<engine::Qwen2Engine> engine;
  if (Failure f = load_engine(o, model, n_ctx, prompt.size(), tracker, engine)) return *f;
  std::optional<vram_only::HealthServer> server;
  if (Failure f = start_health(o, monitor, server)) return *f;
  const Generation g = generate(*engine, *model.tokenizer, prompt, o);
  const vram_only::HealthStatus status = monitor.check_now();
  if (Failure f = report(o, model, g, tracker, status)) {
    shut_down(o, server, monitor, engine, tracker);
    return *f;
  }
  return shut_down(o, server, monitor, engine, tracker);
}

} // namespace

int main(int argc, char **argv) {
  const cli::ParseResult parsed = cli::parse_worker_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.options) {
    std::cerr << "vram-only-worker: " << parsed.error << "\n(see vram-only-worker --help)\n";
    return cli::kExitUsage;
  }
  if (parsed.options->help) {
    std::cout << cli::worker_usage();
    return cli::kExitOk;
  }
  if (!install_signal_handlers()) {
    std::cerr << "vram-only-worker: cannot install signal handlers\n";
    return cli::kExitRuntimeError;
  }
  try {
    return run(*parsed.options);
  } catch (const gguf::Error &e) {
    // Refusals of the model that surface after loading (a prompt the
    // vocabulary cannot encode, a file changed while uploading) keep the
    // documented status of a bad model file.
    std::cerr << "vram-only-worker: bad model file: " << e.what() << "\n";
    return cli::kExitBadModel;
  } catch (const model::ModelError &e) {
    std::cerr << "vram-only-worker: bad model file: " << parsed.options->model_path << ": " << e.what()
              << "\n";
    return cli::kExitBadModel;
  } catch (const kernels::CudaError &e) {
    std::cerr << "vram-only-worker: CUDA error: " << e.what() << "\n";
  } catch (const std::exception &e) {
    std::cerr << "vram-only-worker: error: " << e.what() << "\n";
  }
  return cli::kExitRuntimeError;
}
