// GPU integration tests of the example worker (ctest label "gpu"): the
// model, the KV cache and every activation stay in VRAM; inference matches
// the CPU reference; violations are detected. They skip with a message on
// machines without a CUDA GPU.
#include "engine/qwen2_engine.hpp"
#include "gguf_test_util.hpp"
#include "model/cpu_reference.hpp"
#include "model/qwen2_config.hpp"
#include "model/tiny_qwen2.hpp"
#include "model/tokenizer.hpp"

#include <vram_only/vram_only.hpp>

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>

namespace worker {
namespace {

using engine::DeviceBuffer;
using engine::EngineOptions;
using engine::Qwen2Engine;
using vram_only::MemoryType;
using vram_only::VramPurpose;
using vram_only::VramTracker;

// Logits of the CUDA kernels (float, fixed-order reductions) and of the CPU
// reference (double accumulation) agree to this absolute difference; the
// tiny model's logits are of order 1-10, float rounding is ~1e-5 here.
constexpr float kLogitTolerance = 2e-3f;
constexpr uint32_t kCtx = 64;

std::string gpu_unavailable_reason() {
  int devices = 0;
  const cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess) {
    return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
  }
  return devices == 0 ? "no CUDA devices" : "";
}

class WorkerGpu : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    mixed_ = new test::TempFile(".gguf");
    model::make_tiny_qwen2({}).write(mixed_->path());
    model::TinyQwen2Options tied;
    tied.tied_output = true;
    tied.all_f32 = true;
    tied.seed = 99;
    tied_f32_ = new test::TempFile(".gguf");
    model::make_tiny_qwen2(tied).write(tied_f32_->path());
  }
  static void TearDownTestSuite() {
    delete mixed_;
    delete tied_f32_;
  }

  void SetUp() override {
    const std::string why = gpu_unavailable_reason();
    if (!why.empty()) {
      GTEST_SKIP() << "no CUDA GPU (" << why << "): GPU integration test skipped";
    }
    ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
    // A failed tensor check throws (and fails the test) unless a test
    // demonstrates violations on purpose.
    vram_only::set_tensor_check_action(vram_only::ViolationAction::Throw);
  }

  static EngineOptions options(uint32_t n_ctx = kCtx) {
    EngineOptions o;
    o.n_ctx = n_ctx;
    return o;
  }

  static test::TempFile *mixed_;
  static test::TempFile *tied_f32_;
};
test::TempFile *WorkerGpu::mixed_ = nullptr;
test::TempFile *WorkerGpu::tied_f32_ = nullptr;

std::vector<int32_t> prompt_tokens(const gguf::File &file) {
  const model::Tokenizer tokenizer = model::Tokenizer::from_gguf(file, 269);
  return tokenizer.encode("Hello, the world");
}

std::vector<uint8_t> copy_to_host(const void *device, size_t bytes) {
  std::vector<uint8_t> host(bytes);
  EXPECT_EQ(cudaMemcpy(host.data(), device, bytes, cudaMemcpyDefault), cudaSuccess);
  return host;
}

// Device memory the driver reports in use, after all work finished.
size_t free_device_bytes() {
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  size_t free = 0, total = 0;
  EXPECT_EQ(cudaMemGetInfo(&free, &total), cudaSuccess);
  return free;
}

// The most device memory the tracked allocations can occupy: the driver
// hands out cudaMalloc memory in pages of 2 MiB, so each allocation takes at
// most its size rounded up to 2 MiB.
uint64_t tracked_upper_bound(const VramTracker &tracker) {
  constexpr uint64_t kPage = 2ull << 20;
  uint64_t bound = 0;
  for (const auto &a : tracker.snapshot()) {
    bound += (a.bytes + kPage - 1) / kPage * kPage;
  }
  return bound;
}

std::string violations_text(const vram_only::ResidencyReport &report) {
  std::string s;
  for (const auto &v : report.violations) s += "\n  " + vram_only::to_string(v);
  return s;
}

// ---- 1. the model loads VRAM-only -------------------------------------------

TEST_F(WorkerGpu, ModelLoadsVramOnly) {
  const gguf::File file = gguf::File::open(mixed_->path());
  VramTracker tracker;
  {
    Qwen2Engine engine(file, tracker, options());
    ASSERT_EQ(engine.weights().size(), file.tensors().size());
    for (size_t i = 0; i < engine.weights().size(); ++i) {
      const DeviceBuffer &b = engine.weights()[i];
      const gguf::TensorInfo &t = file.tensors()[i];
      ASSERT_EQ(b.label(), t.name);
      const vram_only::ResidencyVerdict verdict = vram_only::query_pointer_residency(b.data());
      EXPECT_EQ(verdict.memory_type, MemoryType::Device) << t.name << ": " << verdict.reason;
      EXPECT_TRUE(vram_only::check_pointer_residency(b.data())) << t.name;
      EXPECT_TRUE(vram_only::check_pointer_residency(static_cast<const char *>(b.data()) + b.bytes() - 1)) << t.name;
      const auto tracked = tracker.find(b.data());
      ASSERT_TRUE(tracked.has_value()) << t.name;
      EXPECT_EQ(tracked->purpose, VramPurpose::ModelWeights) << t.name;
      EXPECT_EQ(tracked->bytes, t.n_bytes) << t.name;
      EXPECT_EQ(tracked->base, b.data()) << t.name;
      // The upload is the file's bytes.
      EXPECT_EQ(copy_to_host(b.data(), b.bytes()), file.read_tensor_data(t)) << t.name;
    }
    EXPECT_EQ(tracker.usage(VramPurpose::ModelWeights), file.total_tensor_bytes());
    EXPECT_EQ(engine.weight_bytes(), file.total_tensor_bytes());
    const uint64_t kv = 2ull * 2 /* layers */ * kCtx * 32 /* kv_dim */ * sizeof(float);
    EXPECT_EQ(tracker.usage(VramPurpose::KvCache), kv);
    EXPECT_EQ(tracker.usage(VramPurpose::Activations), engine.activation_bytes());
    EXPECT_EQ(tracker.total_usage(), file.total_tensor_bytes() + kv + engine.activation_bytes());
    EXPECT_EQ(tracker.live_count(), file.tensors().size() + 4 + engine.activations().size());
    const vram_only::ResidencyReport report = tracker.verify_vram_residency();
    EXPECT_TRUE(report.resident()) << violations_text(report);
    EXPECT_EQ(report.checked, tracker.live_count());
    EXPECT_EQ(tracker.misuse().total(), 0u);
  }
  EXPECT_EQ(tracker.live_count(), 0u) << "the engine untracks what it frees";
  EXPECT_EQ(tracker.total_usage(), 0u);
  EXPECT_EQ(tracker.misuse().total(), 0u);
}

// ---- 2. inference maintains VRAM-only -----------------------------------------

TEST_F(WorkerGpu, InferenceMaintainsVramOnly) {
  const gguf::File file = gguf::File::open(mixed_->path());
  const std::vector<int32_t> prompt = prompt_tokens(file);
  {
    // Warm-up: loads every kernel (CUDA_MODULE_LOADING=EAGER is set by ctest
    // as well) and sizes the context's local memory, so that neither shows
    // up as unexplained usage below.
    VramTracker warm_tracker;
    Qwen2Engine warm(file, warm_tracker, options());
    for (int32_t t : prompt) warm.step(t);
  }
  const size_t free_before = free_device_bytes();

  VramTracker tracker;
  Qwen2Engine engine(file, tracker, options());
  int32_t next = 0;
  for (int32_t t : prompt) next = engine.step(t);
  for (int i = 0; i < 10; ++i) next = engine.step(next); // 10 generated tokens
  const size_t free_after = free_device_bytes();

  const vram_only::ResidencyReport report = tracker.verify_vram_residency();
  EXPECT_TRUE(report.resident()) << violations_text(report);
  EXPECT_EQ(report.checked, tracker.live_count());

  const int64_t used = static_cast<int64_t>(free_before) - static_cast<int64_t>(free_after);
  const uint64_t bound = tracked_upper_bound(tracker);
  EXPECT_LE(used, static_cast<int64_t>(bound))
      << "device memory in use grew by " << used << " bytes, more than the " << tracker.live_count()
      << " tracked allocations (" << tracker.total_usage() << " bytes) can occupy (" << bound
      << " bytes): an untracked allocation appeared";

  // Steady state: decoding allocates nothing at all.
  const uint64_t tracked = tracker.total_usage();
  for (int i = 0; i < 10; ++i) next = engine.step(next);
  EXPECT_EQ(free_device_bytes(), free_after) << "decoding changed the device memory in use";
  EXPECT_EQ(tracker.total_usage(), tracked);

  // The comparison can fail: an untracked 256 MiB allocation is caught.
  void *stray = nullptr;
  ASSERT_EQ(cudaMalloc(&stray, 256u << 20), cudaSuccess);
  const int64_t used_with_stray = static_cast<int64_t>(free_before) - static_cast<int64_t>(free_device_bytes());
  EXPECT_GT(used_with_stray, static_cast<int64_t>(tracked_upper_bound(tracker)));
  EXPECT_EQ(cudaFree(stray), cudaSuccess);
}

// ---- 3. the KV cache is VRAM-only (and written) ----------------------------------

TEST_F(WorkerGpu, KvCacheIsVramOnly) {
  const gguf::File file = gguf::File::open(mixed_->path());
  VramTracker tracker;
  Qwen2Engine engine(file, tracker, options());
  model::CpuQwen2 reference(file, kCtx);
  const uint32_t kv_dim = engine.config().kv_dim();
  ASSERT_EQ(engine.kv_cache().size(), 2u);
  for (size_t l = 0; l < engine.kv_cache().size(); ++l) {
    for (const DeviceBuffer *b : {&engine.kv_cache()[l].k, &engine.kv_cache()[l].v}) {
      const vram_only::ResidencyVerdict verdict = vram_only::query_pointer_residency(b->data());
      EXPECT_EQ(verdict.memory_type, MemoryType::Device) << b->label() << ": " << verdict.reason;
      EXPECT_TRUE(vram_only::check_pointer_residency(b->data())) << b->label();
      EXPECT_TRUE(vram_only::check_pointer_residency(static_cast<const char *>(b->data()) + b->bytes() - 1));
      const auto info = tracker.describe(b->data());
      ASSERT_TRUE(info.has_value()) << b->label();
      EXPECT_EQ(info->purpose, VramPurpose::KvCache);
      EXPECT_EQ(info->bytes, kCtx * kv_dim * sizeof(float));
      EXPECT_EQ(info->label, "kv_cache.blk." + std::to_string(l) + (b == &engine.kv_cache()[l].k ? ".k" : ".v"));
    }
  }
  // The forward pass writes K and V at each position: compare with the reference.
  const std::vector<int32_t> prompt = prompt_tokens(file);
  for (int32_t t : prompt) {
    engine.step(t);
    reference.forward(t);
  }
  const size_t n = prompt.size() * kv_dim;
  for (uint32_t l = 0; l < 2; ++l) {
    const std::vector<uint8_t> k_bytes = copy_to_host(engine.kv_cache()[l].k.data(), n * sizeof(float));
    const std::vector<uint8_t> v_bytes = copy_to_host(engine.kv_cache()[l].v.data(), n * sizeof(float));
    const float *k = reinterpret_cast<const float *>(k_bytes.data());
    const float *v = reinterpret_cast<const float *>(v_bytes.data());
    for (size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(k[i], reference.k_cache(l)[i], 1e-3f) << "layer " << l << " K element " << i;
      ASSERT_NEAR(v[i], reference.v_cache(l)[i], 1e-3f) << "layer " << l << " V element " << i;
    }
  }
  EXPECT_TRUE(tracker.verify_vram_residency().resident());
}

// ---- the forward pass matches the CPU reference ----------------------------------------

void expect_matches_reference(const std::string &path) {
  const gguf::File file = gguf::File::open(path);
  VramTracker tracker;
  Qwen2Engine engine(file, tracker, [] { EngineOptions o; o.n_ctx = kCtx; return o; }());
  model::CpuQwen2 reference(file, kCtx);
  const std::vector<int32_t> prompt = prompt_tokens(file);
  std::vector<int32_t> sequence = prompt;
  int32_t gpu_next = 0;
  for (size_t step = 0; step < prompt.size() + 10; ++step) {
    const int32_t token = sequence[step];
    gpu_next = engine.step(token);
    const std::vector<float> &cpu = reference.forward(token);
    const std::vector<float> gpu = engine.logits();
    ASSERT_EQ(gpu.size(), cpu.size());
    float max_diff = 0;
    for (size_t i = 0; i < cpu.size(); ++i) {
      ASSERT_TRUE(std::isfinite(gpu[i])) << "step " << step << " logit " << i;
      max_diff = std::max(max_diff, std::fabs(gpu[i] - cpu[i]));
    }
    EXPECT_LE(max_diff, kLogitTolerance) << "step " << step << " (token " << token << ")";
    const int32_t cpu_next = model::reference::argmax(cpu.data(), cpu.size());
    std::vector<float> sorted = cpu;
    std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
    if (sorted[0] - sorted[1] > 2 * kLogitTolerance) {
      EXPECT_EQ(gpu_next, cpu_next) << "step " << step;
    } else { // a near tie: either of the two is right
      EXPECT_GE(cpu[gpu_next], sorted[1]) << "step " << step;
    }
    if (step + 1 >= prompt.size()) {
      sequence.push_back(gpu_next);
    }
  }
  EXPECT_EQ(sequence.size(), prompt.size() + 11);
}

TEST_F(WorkerGpu, MatchesTheCpuReferenceOnMixedF32AndF16Weights) { expect_matches_reference(mixed_->path()); }

TEST_F(WorkerGpu, MatchesTheCpuReferenceWithTiedF32Weights) { expect_matches_reference(tied_f32_->path()); }

// The prompt as batches (matrix-matrix kernels, batch attention): every
// position's logits match the CPU reference run one token at a time, for
// qwen2 and llama, F32 and F16, whole and in chunks of 5 tokens; decoding
// continues from the batched KV cache.
void expect_prefill_matches_reference(const model::TinyModelOptions &options, uint32_t n_batch, int repeat = 1) {
  test::TempFile path(".gguf");
  model::make_tiny_model(options).write(path.path());
  const gguf::File file = gguf::File::open(path.path());
  const model::Qwen2Config config = model::Qwen2Config::from_gguf(file);
  std::string text;
  for (int i = 0; i < repeat; ++i) text += "The quick brown fox jumps over the lazy dog 12345. ";
  const std::vector<int32_t> prompt = model::Tokenizer::from_gguf(file, config.n_vocab).encode(text);
  ASSERT_GT(prompt.size(), 10u);
  const uint32_t n_ctx = static_cast<uint32_t>(prompt.size() + 16);
  VramTracker tracker;
  EngineOptions o;
  o.n_ctx = n_ctx;
  o.n_batch = n_batch;
  o.all_logits = true;
  Qwen2Engine engine(file, tracker, o);
  model::CpuQwen2 reference(file, n_ctx);
  // In chunks of n_batch: compare each chunk's rows.
  for (size_t begin = 0; begin < prompt.size(); begin += n_batch) {
    const std::vector<int32_t> chunk(prompt.begin() + static_cast<std::ptrdiff_t>(begin),
                                     prompt.begin() + static_cast<std::ptrdiff_t>(std::min(prompt.size(), begin + n_batch)));
    const int32_t next = engine.prefill(chunk);
    const std::vector<std::vector<float>> rows = engine.batch_logits();
    ASSERT_EQ(rows.size(), chunk.size());
    for (size_t i = 0; i < chunk.size(); ++i) {
      const std::vector<float> &cpu = reference.forward(chunk[i]);
      float max_diff = 0;
      for (size_t v = 0; v < cpu.size(); ++v) max_diff = std::max(max_diff, std::fabs(rows[i][v] - cpu[v]));
      EXPECT_LE(max_diff, kLogitTolerance) << "position " << begin + i;
      if (i + 1 == chunk.size()) {
        EXPECT_EQ(next, model::reference::argmax(cpu.data(), cpu.size())) << "position " << begin + i;
      }
    }
  }
  EXPECT_EQ(engine.position(), static_cast<int32_t>(prompt.size()));
  int32_t token = model::reference::argmax(engine.logits().data(), config.n_vocab);
  for (int step = 0; step < 8; ++step) {
    const int32_t next = engine.step(token);
    const std::vector<float> &cpu = reference.forward(token);
    const std::vector<float> gpu = engine.logits();
    float max_diff = 0;
    for (size_t v = 0; v < cpu.size(); ++v) max_diff = std::max(max_diff, std::fabs(gpu[v] - cpu[v]));
    EXPECT_LE(max_diff, kLogitTolerance) << "decode step " << step;
    token = next;
  }
  EXPECT_TRUE(tracker.verify_vram_residency().resident());
}

TEST_F(WorkerGpu, BatchedPrefillMatchesTheCpuReferenceQwen2Mixed) { expect_prefill_matches_reference({}, 64); }
TEST_F(WorkerGpu, BatchedPrefillInChunksMatchesTheCpuReferenceQwen2Mixed) {
  expect_prefill_matches_reference({}, 5);
}
TEST_F(WorkerGpu, BatchedPrefillMatchesTheCpuReferenceLlamaSpmF32) {
  expect_prefill_matches_reference(*model::tiny_model_preset("llama-spm-f32"), 64);
}
TEST_F(WorkerGpu, BatchedPrefillInChunksMatchesTheCpuReferenceLlamaBpeF16) {
  expect_prefill_matches_reference(*model::tiny_model_preset("llama-bpe-f16"), 5);
}
TEST_F(WorkerGpu, LongBatchedPrefillMatchesTheCpuReferenceLlamaSpmF16) { // several 64-token tiles
  expect_prefill_matches_reference(*model::tiny_model_preset("llama-spm-f16"), 512, 4);
}

TEST_F(WorkerGpu, IsDeterministic) {
  const gguf::File file = gguf::File::open(mixed_->path());
  std::vector<std::vector<float>> runs[2];
  std::vector<int32_t> tokens[2];
  for (int run = 0; run < 2; ++run) {
    VramTracker tracker;
    Qwen2Engine engine(file, tracker, options());
    int32_t next = 'H';
    for (int i = 0; i < 12; ++i) {
      next = engine.step(next);
      tokens[run].push_back(next);
      runs[run].push_back(engine.logits());
    }
  }
  EXPECT_EQ(tokens[0], tokens[1]);
  EXPECT_EQ(runs[0], runs[1]); // bit for bit
}

// ---- violations -------------------------------------------------------------------

// Collects log lines (thread-safe).
struct CapturedLog {
  std::mutex mutex;
  std::vector<std::string> lines;
  vram_only::LogSink sink() {
    return [this](vram_only::LogLevel level, std::string_view text) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(std::string(vram_only::to_string(level)) + ": " + std::string(text));
    };
  }
  bool contains(const std::string &a, const std::string &b) {
    std::lock_guard<std::mutex> lock(mutex);
    return std::any_of(lines.begin(), lines.end(), [&](const std::string &l) {
      return l.find(a) != std::string::npos && l.find(b) != std::string::npos;
    });
  }
};

std::vector<int32_t> greedy_tokens(Qwen2Engine &engine, int n) {
  std::vector<int32_t> out;
  int32_t next = 'H';
  for (int i = 0; i < n; ++i) out.push_back(next = engine.step(next));
  return out;
}

TEST_F(WorkerGpu, ManagedKvCacheIsReportedAndTheWorkerCarriesOn) {
  vram_only::set_tensor_check_action(vram_only::ViolationAction::ReportAndMarkUnhealthy);
  const gguf::File file = gguf::File::open(mixed_->path());
  CapturedLog log;
  vram_only::TrackerOptions tracker_options;
  tracker_options.sink = log.sink();
  VramTracker tracker(tracker_options);
  vram_only::HealthMonitor monitor(tracker, {std::chrono::milliseconds(200), log.sink()});
  EngineOptions o = options();
  o.managed_kv = true;
  Qwen2Engine engine(file, tracker, o);
  monitor.start();
  const vram_only::HealthStatus status = monitor.status();
  EXPECT_FALSE(status.healthy);
  EXPECT_FALSE(status.resident);
  std::set<std::string> labels;
  for (const auto &v : status.violations) {
    labels.insert(v.label);
    EXPECT_EQ(v.memory_type, MemoryType::Managed) << v.label;
    EXPECT_EQ(v.purpose, VramPurpose::KvCache) << v.label;
  }
  EXPECT_EQ(labels, (std::set<std::string>{"kv_cache.blk.0.k", "kv_cache.blk.0.v", "kv_cache.blk.1.k",
                                           "kv_cache.blk.1.v"}));
  EXPECT_TRUE(log.contains("CRITICAL: VRAM residency violated:", "label=\"kv_cache.blk.0.k\""));
  EXPECT_TRUE(log.contains("label=\"kv_cache.blk.0.k\"", "memory_type=Managed"));
  // It keeps serving: the same tokens as with a VRAM KV cache.
  VramTracker clean_tracker;
  vram_only::set_tensor_check_action(vram_only::ViolationAction::Throw);
  Qwen2Engine clean(file, clean_tracker, options());
  EXPECT_EQ(greedy_tokens(engine, 8), greedy_tokens(clean, 8));
  EXPECT_FALSE(monitor.is_healthy());
  monitor.stop();
}

TEST_F(WorkerGpu, PinnedWeightIsReportedAndTheWorkerCarriesOn) {
  vram_only::set_tensor_check_action(vram_only::ViolationAction::ReportAndMarkUnhealthy);
  const gguf::File file = gguf::File::open(mixed_->path());
  CapturedLog log;
  vram_only::TrackerOptions tracker_options;
  tracker_options.sink = log.sink();
  VramTracker tracker(tracker_options);
  vram_only::HealthMonitor monitor(tracker, {std::chrono::milliseconds(200), log.sink()});
  EngineOptions o = options();
  o.pinned_weight = engine::kPinnedViolationTensor;
  Qwen2Engine engine(file, tracker, o);
  const vram_only::HealthStatus status = monitor.check_now();
  EXPECT_FALSE(status.healthy);
  ASSERT_FALSE(status.violations.empty());
  for (const auto &v : status.violations) { // the tensor check's and the sweep's report, or one of them
    EXPECT_EQ(v.label, "output_norm.weight");
    EXPECT_EQ(v.memory_type, MemoryType::Host);
    EXPECT_EQ(v.purpose, VramPurpose::ModelWeights);
  }
  EXPECT_TRUE(log.contains("label=\"output_norm.weight\"", "memory_type=Host"));
  VramTracker clean_tracker;
  vram_only::set_tensor_check_action(vram_only::ViolationAction::Throw);
  Qwen2Engine clean(file, clean_tracker, options());
  EXPECT_EQ(greedy_tokens(engine, 8), greedy_tokens(clean, 8));
}

TEST_F(WorkerGpu, PeriodicSweepCatchesANewViolationWithinOneInterval) {
  const gguf::File file = gguf::File::open(mixed_->path());
  CapturedLog log;
  VramTracker tracker;
  vram_only::HealthMonitor monitor(tracker, {std::chrono::milliseconds(250), log.sink()});
  Qwen2Engine engine(file, tracker, options());
  monitor.start();
  ASSERT_TRUE(monitor.is_healthy());
  const uint64_t checks_before = monitor.status().checks;
  // A managed allocation appears while the worker runs; no tensor check
  // sees it, only the periodic sweep can.
  DeviceBuffer late(tracker, 1 << 20, VramPurpose::KvCache, "late.kv", engine::MemoryKind::Managed);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (monitor.is_healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(monitor.is_healthy()) << "not detected within 30 s";
  const vram_only::HealthStatus status = monitor.status();
  // The sweep that found it is the first to start after the allocation: at
  // most one more can have been running already when it appeared.
  EXPECT_LE(status.checks, checks_before + 2);
  ASSERT_EQ(status.violations.size(), 1u);
  EXPECT_EQ(status.violations[0].label, "late.kv");
  EXPECT_TRUE(log.contains("CRITICAL: VRAM residency violated:", "label=\"late.kv\""));
  monitor.stop();
}

} // namespace
} // namespace worker
