#include "cli/worker_options.hpp"
#include "cli/token_ids.hpp"

#include <limits>

namespace worker::cli {

namespace {

bool parse_uint(const std::string &text, uint64_t max, uint64_t &out) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  try {
    out = std::stoull(text);
  } catch (...) {
    return false;
  }
  return out <= max;
}

} // namespace

const char *to_string(Violation v) noexcept {
  switch (v) {
  case Violation::None: return "none";
  case Violation::ManagedKv: return "managed-kv";
  case Violation::PinnedWeights: return "pinned-weights";
  }
  return "none";
}

std::string worker_usage() {
  return "usage: vram-only-worker MODEL.gguf [options]\n"
         "  --prompt TEXT            prompt to continue (default \"Hello\")\n"
         "  --prompt-ids IDS         the prompt as token ids, e.g. 1,15043,3186 (instead of --prompt;\n"
         "                           no BOS is added)\n"
         "  --tokens N               tokens to generate (default 16)\n"
         "  --prefill-batch N        prompt tokens per forward pass (default 512; 1: one at a time)\n"
         "  --logits-out FILE        write the prompt and generated tokens and the logits of every\n"
         "                           position as JSON (for comparisons with llama.cpp)\n"
         "  --ctx N                  KV cache length in tokens (default: the model's context length)\n"
         "  --ignore-eos             keep generating after the end-of-sequence token\n"
         "  --host ADDR              address of the /health and /metrics server (default 127.0.0.1)\n"
         "  --port N                 its port (default 8080; 0 picks a free port)\n"
         "  --no-server              do not start the HTTP server\n"
         "  --serve                  keep serving after generation until SIGINT or SIGTERM\n"
         "  --sweep-interval-ms N    residency sweep interval of the health monitor (default 1000)\n"
         "  --device N               CUDA device ordinal (default 0)\n"
         "  --violate=KIND           demonstrate detection: managed-kv (KV cache in\n"
         "                           cudaMallocManaged memory) or pinned-weights (one weight in\n"
         "                           cudaMallocHost memory)\n"
         "  -h, --help               this text\n"
         "exit status: 0 ok, 1 runtime error, 2 usage, 3 bad model file, 4 no CUDA device,\n"
         "             5 finished but VRAM-only was violated\n";
}

ParseResult parse_worker_options(const std::vector<std::string> &args) {
  WorkerOptions o;
  auto fail = [](std::string message) { return ParseResult{std::nullopt, std::move(message)}; };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      const size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline_value = true;
      }
    }
    auto take_value = [&](std::string &out) {
      if (has_inline_value) {
        out = value;
        return true;
      }
      if (i + 1 >= args.size()) {
        return false;
      }
      out = args[++i];
      return true;
    };
    auto take_uint = [&](uint64_t max, uint64_t &out) -> std::optional<ParseResult> {
      std::string text;
      if (!take_value(text)) {
        return fail(arg + " needs a value");
      }
      if (!parse_uint(text, max, out)) {
        return fail(arg + " needs a whole number in 0.." + std::to_string(max) + ", got '" + text + "'");
      }
      return std::nullopt;
    };
    uint64_t n = 0;
    if (arg == "-h" || arg == "--help") {
      o.help = true;
      return ParseResult{o, {}};
    } else if (arg == "--prompt") {
      if (!take_value(o.prompt)) return fail("--prompt needs a value");
    } else if (arg == "--prompt-ids") {
      std::string text;
      if (!take_value(text)) return fail("--prompt-ids needs a value");
      o.prompt_ids.clear();
      std::string bad;
      if (!parse_token_ids(text, o.prompt_ids, bad)) return fail("--prompt-ids: '" + bad + "' is not a token id");
      if (o.prompt_ids.empty()) return fail("--prompt-ids needs at least one token id");
    } else if (arg == "--prefill-batch") {
      if (auto e = take_uint(1u << 16, n)) return *e;
      if (n == 0) return fail("--prefill-batch must be at least 1");
      o.prefill_batch = static_cast<uint32_t>(n);
    } else if (arg == "--logits-out") {
      if (!take_value(o.logits_out) || o.logits_out.empty()) return fail("--logits-out needs a file name");
    } else if (arg == "--tokens") {
      if (auto e = take_uint(1u << 20, n)) return *e;
      o.tokens = static_cast<uint32_t>(n);
    } else if (arg == "--ctx") {
      if (auto e = take_uint(1u << 24, n)) return *e;
      if (n == 0) return fail("--ctx must be at least 1");
      o.ctx = static_cast<uint32_t>(n);
    } else if (arg == "--host") {
      if (!take_value(o.host) || o.host.empty()) return fail("--host needs an address");
    } else if (arg == "--port") {
      if (auto e = take_uint(65535, n)) return *e;
      o.port = static_cast<uint16_t>(n);
    } else if (arg == "--sweep-interval-ms") {
      if (auto e = take_uint(3600000, n)) return *e;
      if (n == 0) return fail("--sweep-interval-ms must be at least 1");
      o.sweep_interval_ms = static_cast<uint32_t>(n);
    } else if (arg == "--device") {
      if (auto e = take_uint(1023, n)) return *e;
      o.device = static_cast<int>(n);
    } else if (arg == "--violate") {
      std::string kind;
      if (!take_value(kind)) return fail("--violate needs managed-kv or pinned-weights");
      if (kind == "managed-kv") {
        o.violate = Violation::ManagedKv;
      } else if (kind == "pinned-weights") {
        o.violate = Violation::PinnedWeights;
      } else {
        return fail("--violate: unknown kind '" + kind + "' (managed-kv or pinned-weights)");
      }
    } else if (arg == "--serve" || arg == "--ignore-eos" || arg == "--no-server") {
      if (has_inline_value) return fail(arg + " takes no value");
      (arg == "--serve" ? o.serve : arg == "--ignore-eos" ? o.ignore_eos : o.no_server) = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return fail("unknown option '" + arg + "'");
    } else if (o.model_path.empty()) {
      o.model_path = arg;
    } else {
      return fail("more than one model path ('" + o.model_path + "' and '" + arg + "')");
    }
  }
  if (o.model_path.empty()) {
    return fail("no model file given");
  }
  if (o.serve && o.no_server) {
    return fail("--serve and --no-server contradict each other");
  }
  return ParseResult{o, {}};
}

} // namespace worker::cli
