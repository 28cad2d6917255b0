// vram-only-worker: a small CUDA inference worker for Qwen2-architecture GGUF
// models (F32/F16) that keeps every weight, KV-cache page and activation in
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

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
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

// ---- the run -------------------------------------------------------------------

struct Generation {
  std::vector<int32_t> prompt_tokens;
  std::vector<int32_t> generated;
  std::string stop_reason = "length"; // length | eos | signal
  double seconds = 0;
};

std::string join(const std::vector<int32_t> &ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    s += (i ? " " : "") + std::to_string(ids[i]);
  }
  return s;
}

Generation generate(engine::Qwen2Engine &engine, const model::Tokenizer &tokenizer,
                    const std::vector<int32_t> &prompt, const cli::WorkerOptions &o) {
  Generation g;
  g.prompt_tokens = prompt;
  const auto started = std::chrono::steady_clock::now();
  int32_t next = 0;
  for (int32_t token : prompt) {
    if (g_signal.load() != 0) {
      g.stop_reason = "signal";
      return g;
    }
    next = engine.step(token);
  }
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
  }
  g.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return g;
}

int run(const cli::WorkerOptions &o) {
  // 1. The model file (CPU only: bad files fail here, before CUDA is touched).
  std::optional<gguf::File> file;
  std::optional<model::Qwen2Config> config;
  std::optional<model::Tokenizer> tokenizer;
  try {
    file.emplace(gguf::File::open(o.model_path));
    config.emplace(model::Qwen2Config::from_gguf(*file));
    for (const std::string &name : model::validate_qwen2_tensors(*file, *config)) {
      warn("tensor '" + name + "' is not read by the qwen2 forward pass (uploaded anyway)");
    }
    tokenizer.emplace(model::Tokenizer::from_gguf(*file, config->n_vocab));
  } catch (const gguf::Error &e) {
    std::cerr << "vram-only-worker: bad model file: " << e.what() << "\n";
    return cli::kExitBadModel;
  } catch (const model::ModelError &e) {
    std::cerr << "vram-only-worker: bad model file: " << o.model_path << ": " << e.what() << "\n";
    return cli::kExitBadModel;
  }
  const std::vector<int32_t> prompt = tokenizer->encode(o.prompt);
  if (prompt.empty()) {
    std::cerr << "vram-only-worker: the prompt is empty; give --prompt some text\n";
    return cli::kExitUsage;
  }
  const uint32_t n_ctx = o.ctx != 0 ? o.ctx : config->n_ctx_train;
  if (prompt.size() + o.tokens > static_cast<uint64_t>(n_ctx) + 1) {
    std::cerr << "vram-only-worker: " << prompt.size() << " prompt tokens + " << o.tokens
              << " new tokens do not fit a context of " << n_ctx << " tokens (--ctx)\n";
    return cli::kExitUsage;
  }

  // 2. The GPU.
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

  // 3. Tracker and monitor first, so that tensor checks during loading
  //    already reach the monitor; violations are reported, not fatal: the
  //    worker keeps serving and /health answers 503.
  vram_only::TrackerOptions tracker_options;
  tracker_options.tensor_check_action = vram_only::ViolationAction::ReportAndMarkUnhealthy;
  vram_only::VramTracker tracker(std::move(tracker_options));
  vram_only::HealthMonitorOptions monitor_options;
  monitor_options.interval = std::chrono::milliseconds(o.sweep_interval_ms);
  vram_only::HealthMonitor monitor(tracker, monitor_options);
  monitor.on_violation([](const vram_only::Violation &v) {
    warn("VRAM-only violated by '" + v.label + "'; the worker keeps serving and /health answers 503");
  });

  // 4. Weights, KV cache, activations.
  engine::EngineOptions engine_options;
  engine_options.n_ctx = n_ctx;
  engine_options.managed_kv = o.violate == cli::Violation::ManagedKv;
  if (o.violate == cli::Violation::PinnedWeights) {
    engine_options.pinned_weight = engine::kPinnedViolationTensor;
  }
  if (o.violate != cli::Violation::None) {
    warn(std::string("--violate=") + cli::to_string(o.violate) + ": " +
         (engine_options.managed_kv ? "the KV cache goes to cudaMallocManaged memory"
                                    : "tensor '" + engine_options.pinned_weight + "' stays in cudaMallocHost memory"));
  }
  std::optional<engine::Qwen2Engine> engine;
  try {
    engine.emplace(*file, tracker, engine_options);
  } catch (const model::ModelError &e) {
    std::cerr << "vram-only-worker: bad model file: " << o.model_path << ": " << e.what() << "\n";
    return cli::kExitBadModel;
  }
  info("loaded " + config->name + " (qwen2: " + std::to_string(config->n_layer) + " layers, " +
       std::to_string(config->n_embd) + " embedding, " + std::to_string(config->n_head) + "/" +
       std::to_string(config->n_head_kv) + " heads, vocabulary " + std::to_string(config->n_vocab) + ")");
  info("VRAM: weights " + mib(engine->weight_bytes()) + " in " + std::to_string(engine->weights().size()) +
       " tensors, KV cache " + mib(engine->kv_cache_bytes()) + " (" + std::to_string(n_ctx) +
       " tokens), activations " + mib(engine->activation_bytes()) + "; " +
       std::to_string(tracker.live_count()) + " tracked allocations");

  // 5. Monitor (first sweep now) and HTTP server.
  monitor.start();
  const vram_only::HealthStatus first = monitor.status();
  info("first residency check: " + std::to_string(first.live_allocations) + " allocations, " +
       (first.healthy ? "all resident" : std::to_string(first.violations.size()) + " violating") +
       "; next checks every " + std::to_string(o.sweep_interval_ms) + " ms");
  std::optional<vram_only::HealthServer> server;
  if (!o.no_server) {
    server.emplace(monitor, vram_only::HealthServerOptions{o.host, o.port});
    try {
      server->start();
    } catch (const std::exception &e) {
      error(e.what());
      monitor.stop();
      return cli::kExitRuntimeError;
    }
    info("serving /health and /metrics on http://" + o.host + ":" + std::to_string(server->port()));
  }

  // 6. Generation.
  const Generation g = generate(*engine, *tokenizer, prompt, o);
  const std::string text = tokenizer->decode(g.generated);
  const vram_only::HealthStatus status = monitor.check_now();
  std::cout << "prompt tokens: " << join(g.prompt_tokens) << "\n"
            << "generated tokens: " << join(g.generated) << "\n"
            << "text: " << nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
  nlohmann::ordered_json summary;
  summary["model"] = config->name;
  summary["prompt"] = o.prompt;
  summary["prompt_tokens"] = g.prompt_tokens;
  summary["generated_tokens"] = g.generated;
  summary["text"] = text;
  summary["stop_reason"] = g.stop_reason;
  summary["seconds"] = g.seconds;
  summary["tokens_per_second"] = g.seconds > 0 ? static_cast<double>(g.prompt_tokens.size() + g.generated.size()) / g.seconds : 0.0;
  summary["vram_bytes"] = {{"model_weights", tracker.usage(vram_only::VramPurpose::ModelWeights)},
                           {"kv_cache", tracker.usage(vram_only::VramPurpose::KvCache)},
                           {"activations", tracker.usage(vram_only::VramPurpose::Activations)},
                           {"total", tracker.total_usage()}};
  summary["resident"] = status.resident;
  summary["healthy"] = status.healthy;
  summary["violations"] = status.violations_total;
  std::cout << summary.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;

  // 7. Serve until asked to stop.
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
