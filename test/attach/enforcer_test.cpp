// From CUPTI's callback records to the runtime: device allocations recorded
// in the tracker and released, non-VRAM ones reported once (CRITICAL line,
// unhealthy), policy limits, abort mode, and the report.
#include "cupti_records.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "attach_report.hpp"
#include "enforcer.hpp"
#include "http_get.hpp"
#include "policy_file.hpp"
#include "runtime_bridge.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/residency_oracle.hpp"

namespace vram_only::attach {
namespace {

using testing::call;

// Everything is device memory, as the driver would say of the recorded ones.
class DeviceOracle final : public ResidencyOracle {
 public:
  ResidencyVerdict query(const void*) const noexcept override {
    ResidencyVerdict v;
    v.memory_type = MemoryType::Device;
    v.reason = reasons::kDevice;
    return v;
  }
};

int device_zero() { return 0; }
CallSite fake_site() {
  CallSite s;
  s.library = "/opt/llama/libggml-cuda.so";
  s.offset = 0x1234;
  s.method = "unwind";
  return s;
}

struct Stopped {
  int status = -1;
  int count = 0;
};
void record_stop(void* context, int status) {
  auto* s = static_cast<Stopped*>(context);
  s->status = status;
  ++s->count;
}

class EnforcerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_default_log_sink([this](vram_only::LogLevel level, std::string_view text) {
      std::lock_guard<std::mutex> lock(lines_mutex);
      lines.push_back(std::string(to_string(level)) + ": " + std::string(text));
    });
  }
  void TearDown() override { set_default_log_sink({}); }

  std::unique_ptr<Enforcer> make(OnViolation mode = OnViolation::Report, Policy policy = {}) {
    BridgeOptions options;
    options.oracle = &oracle;
    options.sweep_interval_ms = 60000;
    bridge = std::make_unique<RuntimeBridge>(options);
    bridge->start_monitor();
    Enforcer::Hooks hooks;
    hooks.current_device = device_zero;
    hooks.find_call_site = fake_site;
    hooks.stop = record_stop;
    hooks.stop_context = &stopped;
    return std::make_unique<Enforcer>(*bridge, mode, std::move(policy), CallSites::All, hooks);
  }

  template <class C>
  void deliver(Enforcer& e, const C& c, CUresult result = CUDA_SUCCESS) {
    e.on_callback(c.enter());
    e.on_callback(c.exit(result));
  }

  std::size_t count_lines(const std::string& needle) const {
    std::size_t n = 0;
    for (const std::string& l : lines) n += l.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }

  DeviceOracle oracle;
  std::unique_ptr<RuntimeBridge> bridge;
  Stopped stopped;
  std::mutex lines_mutex;
  std::vector<std::string> lines;
};

TEST_F(EnforcerTest, DeviceAllocationsAreTrackedAndReleased) {
  auto e = make();
  CUdeviceptr out = 0x7f0000000000;
  auto a = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  a.params = {&out, 1 << 20};
  deliver(*e, a);
  EXPECT_EQ(bridge->live_bytes(), 1u << 20);
  EXPECT_EQ(bridge->live_allocations(), 1u);
  EXPECT_EQ(bridge->live_bytes_on_device(0), 1u << 20);
  auto f = call<cuMemFree_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2);
  f.params = {out};
  deliver(*e, f);
  EXPECT_EQ(bridge->live_bytes(), 0u);
  EXPECT_EQ(bridge->live_allocations(), 0u);
  EXPECT_TRUE(bridge->healthy());
  const EnforcerStats s = e->stats();
  EXPECT_EQ(s.by_api.at("cuMemAlloc_v2").calls, 1u);
  EXPECT_EQ(s.by_device.at(0).peak_bytes, 1u << 20);
  EXPECT_EQ(s.by_device.at(0).live_bytes, 0u);
  EXPECT_EQ(s.device_frees, 1u);
  EXPECT_EQ(s.violations_total, 0u);
  EXPECT_EQ(count_lines("CRITICAL"), 0u);
}

TEST_F(EnforcerTest, ExpandableSegmentsMappingsAreTrackedAndUnmapped) {
  auto e = make();
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  std::vector<CUmemGenericAllocationHandle> handles(4);
  for (std::size_t i = 0; i < handles.size(); ++i) {
    handles[i] = 0x100 + i;
    auto create = call<cuMemCreate_params>(CUPTI_DRIVER_TRACE_CBID_cuMemCreate);
    create.params = {&handles[i], 20 << 20, &prop, 0};
    deliver(*e, create);
    auto map = call<cuMemMap_params>(CUPTI_DRIVER_TRACE_CBID_cuMemMap);
    map.params = {0x7e0000000000 + i * (20 << 20), 20 << 20, 0, handles[i], 0};
    deliver(*e, map);
  }
  EXPECT_EQ(bridge->live_allocations(), 4u);
  EXPECT_EQ(bridge->live_bytes(), 80u << 20);
  auto unmap = call<cuMemUnmap_params>(CUPTI_DRIVER_TRACE_CBID_cuMemUnmap);
  unmap.params = {0x7e0000000000 + (20 << 20), 60 << 20};
  deliver(*e, unmap);
  EXPECT_EQ(bridge->live_allocations(), 1u);
  EXPECT_EQ(bridge->live_bytes(), 20u << 20);
  EXPECT_EQ(e->stats().violations_total, 0u);
}

TEST_F(EnforcerTest, ManagedMemoryIsReportedOnceWithApiBytesAndCallSite) {
  auto e = make();
  CUdeviceptr out = 0x7f1000000000;
  auto m = call<cuMemAllocManaged_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged);
  m.params = {&out, 1 << 20, CU_MEM_ATTACH_GLOBAL};
  deliver(*e, m);
  EXPECT_EQ(bridge->live_allocations(), 0u) << "never in the tracker";
  EXPECT_FALSE(bridge->healthy());
  ASSERT_EQ(count_lines("CRITICAL: VRAM residency violated"), 1u);
  EXPECT_EQ(count_lines("pointer=0x7f1000000000 bytes=1048576 purpose=Other label=\"cuMemAllocManaged "
                        "flags=CU_MEM_ATTACH_GLOBAL from libggml-cuda.so+0x1234\" memory_type=Managed device=0"),
            1u)
      << lines.front();
  const EnforcerStats s = e->stats();
  ASSERT_EQ(s.violations.size(), 1u);
  EXPECT_EQ(s.violations[0].reason, "managed (unified) memory (cuMemAllocManaged, 1048576 bytes) is not VRAM "
                                    "(no policy allows it)");
  EXPECT_EQ(s.by_kind[static_cast<int>(MemoryKind::Managed)].live_bytes, 1u << 20);
  auto f = call<cuMemFree_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2);
  f.params = {out};
  deliver(*e, f);
  EXPECT_EQ(e->stats().by_kind[static_cast<int>(MemoryKind::Managed)].live_bytes, 0u);
  EXPECT_EQ(e->stats().device_frees, 0u) << "a managed free is not a device free";
}

TEST_F(EnforcerTest, ManagedVariableAskedTwiceIsReportedOnce) {
  auto e = make();
  CUdeviceptr out = 0x6000;
  size_t bytes = 4096;
  auto lib = call<cuLibraryGetManaged_params>(CUPTI_DRIVER_TRACE_CBID_cuLibraryGetManaged);
  lib.params = {&out, &bytes, nullptr, "counters"};
  deliver(*e, lib);
  deliver(*e, lib);
  EXPECT_EQ(e->stats().violations_total, 1u);
}

TEST_F(EnforcerTest, MappedHostMemoryAndItsDevicePointerAreOneViolation) {
  auto e = make();
  void* out = reinterpret_cast<void*>(0x8000);
  auto mapped = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  mapped.params = {&out, 131072, CU_MEMHOSTALLOC_DEVICEMAP};
  deliver(*e, mapped);
  CUdeviceptr dptr = 0;
  auto get = call<cuMemHostGetDevicePointer_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer_v2);
  get.params = {&dptr, out, 0};
  deliver(*e, get);
  EXPECT_EQ(e->stats().violations_total, 1u);

  // Pinned memory, then its device pointer (twice): the pointer is one more.
  void* pinned = reinterpret_cast<void*>(0x9000);
  auto p = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  p.params = {&pinned, 65536, 0};
  deliver(*e, p);
  get.params = {&dptr, pinned, 0};
  deliver(*e, get);
  deliver(*e, get);
  const EnforcerStats s = e->stats();
  EXPECT_EQ(s.violations_total, 3u);
  EXPECT_EQ(s.violations[2].event.bytes, 65536u) << "the size of the host allocation";
  EXPECT_STREQ(s.violations[2].event.api, "cuMemHostGetDevicePointer_v2");
}

TEST_F(EnforcerTest, PolicyAllowsPinnedUpToItsLimitsAndCountsIt) {
  auto e = make(OnViolation::Report, parse_policy(R"({"allow": [
      {"kind": "pinned", "library": "libggml-cuda", "max_bytes_per_allocation": "64 KiB",
       "max_bytes_total": "96 KiB"}]})", "p.json"));
  void* out = reinterpret_cast<void*>(0x10000);
  auto p = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  p.params = {&out, 65536, 0};
  deliver(*e, p);  // allowed: 64 KiB
  out = reinterpret_cast<void*>(0x20000);
  p.params.bytesize = 65537;
  deliver(*e, p);  // over the per-allocation limit
  out = reinterpret_cast<void*>(0x30000);
  p.params.bytesize = 32768;
  deliver(*e, p);  // allowed: 96 KiB in total
  out = reinterpret_cast<void*>(0x40000);
  p.params.bytesize = 1;
  deliver(*e, p);  // over the total
  EnforcerStats s = e->stats();
  EXPECT_EQ(s.allowed_total, 2u);
  EXPECT_EQ(s.violations_total, 2u);
  EXPECT_EQ(s.rule_usage[0].live_bytes, 98304u);
  EXPECT_EQ(s.rule_usage[0].peak_bytes, 98304u);
  EXPECT_EQ(s.violations[0].reason,
            "pinned host memory (cuMemHostAlloc, 65537 bytes) is not VRAM: 65537 bytes exceed the "
            "per-allocation limit of 64 KiB of the rule at line 2");
  EXPECT_EQ(s.violations[1].reason,
            "pinned host memory (cuMemHostAlloc, 1 bytes) is not VRAM: it would bring the memory allowed by "
            "the rule at line 2 to 98305 bytes, over its total limit of 96 KiB");
  EXPECT_EQ(s.allowed[0].reason, "pinned host memory (cuMemHostAlloc, 65536 bytes) allowed by the rule at "
                                 "line 2 of p.json");
  EXPECT_EQ(count_lines("WARNING: allowed non-VRAM memory"), 2u);
  // Freeing allowed memory makes room again.
  auto f = call<cuMemFreeHost_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost);
  f.params = {reinterpret_cast<void*>(0x10000)};
  deliver(*e, f);
  out = reinterpret_cast<void*>(0x50000);
  p.params.bytesize = 65536;
  deliver(*e, p);
  s = e->stats();
  EXPECT_EQ(s.allowed_total, 3u);
  EXPECT_EQ(s.rule_usage[0].live_bytes, 98304u);
  // Allowed bytes are in /metrics.
  const std::string metrics = render_metrics(s, true);
  EXPECT_NE(metrics.find("vram_only_attach_allowed_bytes{kind=\"pinned\",rule_line=\"2\",library=\"libggml-cuda\","
                         "limit=\"98304\"} 98304\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("vram_only_attach_non_vram_events_total{kind=\"pinned\",decision=\"allowed\"} 3\n"),
            std::string::npos)
      << metrics;
}

TEST_F(EnforcerTest, PolicyRuleForAnotherLibraryDoesNotApply) {
  auto e = make(OnViolation::Report, parse_policy(R"({"allow": [
      {"kind": "pinned", "library": "libtorch", "max_bytes_total": "1 GiB"}]})", "p.json"));
  void* out = reinterpret_cast<void*>(0x10000);
  auto p = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  p.params = {&out, 4096, 0};
  deliver(*e, p);
  const EnforcerStats s = e->stats();
  ASSERT_EQ(s.violations_total, 1u);
  EXPECT_EQ(s.violations[0].reason,
            "pinned host memory (cuMemHostAlloc, 4096 bytes) is not VRAM: the rule at line 2 allows it only from "
            "a library named *libtorch*, the caller is libggml-cuda.so");
}

TEST_F(EnforcerTest, AbortModeStopsAtEnterBeforeTheMemoryExists) {
  auto e = make(OnViolation::Abort);
  CUdeviceptr out = 0;
  auto m = call<cuMemAllocManaged_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged);
  m.params = {&out, 1 << 20, CU_MEM_ATTACH_GLOBAL};
  e->on_callback(m.enter());
  EXPECT_EQ(stopped.count, 1);
  EXPECT_EQ(stopped.status, 86);
  EXPECT_EQ(count_lines("CRITICAL: stopping the process at cuMemAllocManaged (--on-violation=abort), exit status 86"),
            1u);
  const EnforcerStats s = e->stats();
  ASSERT_EQ(s.violations.size(), 1u);
  EXPECT_TRUE(s.violations[0].stopped);
  EXPECT_EQ(s.violations[0].event.bytes, 1u << 20);
}

TEST_F(EnforcerTest, AbortModeLetsDeviceMemoryAndAllowedMemoryThrough) {
  auto e = make(OnViolation::Abort, parse_policy(R"({"allow": [{"kind": "pinned", "max_bytes_total": 4096}]})",
                                                 "p.json"));
  CUdeviceptr dptr = 0x7f0000000000;
  auto a = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  a.params = {&dptr, 4096};
  deliver(*e, a);
  void* out = reinterpret_cast<void*>(0x10000);
  auto p = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  p.params = {&out, 4096, 0};
  deliver(*e, p);
  EXPECT_EQ(stopped.count, 0);
  EXPECT_EQ(e->stats().allowed_total, 1u);
  out = reinterpret_cast<void*>(0x20000);
  e->on_callback(p.enter());  // 4096 more: over the total
  EXPECT_EQ(stopped.count, 1);
}

TEST_F(EnforcerTest, ArraysAreTrackedUnderTheirHandleAndSweptAsDevice) {
  auto e = make();
  CUarray handle = reinterpret_cast<CUarray>(0x55aa00);
  CUDA_ARRAY_DESCRIPTOR desc{};
  desc.Width = 256;
  desc.Height = 256;
  desc.Format = CU_AD_FORMAT_FLOAT;
  desc.NumChannels = 1;
  auto a = call<cuArrayCreate_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuArrayCreate_v2);
  a.params = {&handle, &desc};
  deliver(*e, a);
  EXPECT_EQ(bridge->live_bytes(), 262144u);
  auto destroy = call<cuArrayDestroy_params>(CUPTI_DRIVER_TRACE_CBID_cuArrayDestroy);
  destroy.params = {handle};
  deliver(*e, destroy);
  EXPECT_EQ(bridge->live_bytes(), 0u);
}

TEST_F(EnforcerTest, CallbacksFromManyThreadsKeepExactTotals) {
  auto e = make(OnViolation::Report, parse_policy(R"({"allow": [{"kind": "pinned", "max_bytes_total": "1 GiB"}]})",
                                                  "p.json"));
  constexpr int kThreads = 4;
  constexpr int kRounds = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        CUdeviceptr out = 0x7f0000000000 + (static_cast<CUdeviceptr>(t) << 32) + static_cast<CUdeviceptr>(i) * 4096;
        auto a = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
        a.params = {&out, 4096};
        deliver(*e, a);
        void* host = reinterpret_cast<void*>(0x100000000 + (static_cast<std::uintptr_t>(t) << 28) + i * 4096);
        auto p = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
        p.params = {&host, 4096, 0};
        deliver(*e, p);
        if (i % 2 == 0) {
          auto f = call<cuMemFree_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2);
          f.params = {out};
          deliver(*e, f);
          auto fh = call<cuMemFreeHost_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost);
          fh.params = {host};
          deliver(*e, fh);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const EnforcerStats s = e->stats();
  EXPECT_EQ(s.by_api.at("cuMemAlloc_v2").calls, std::uint64_t{kThreads} * kRounds);
  EXPECT_EQ(s.device_frees, std::uint64_t{kThreads} * kRounds / 2);
  EXPECT_EQ(bridge->live_allocations(), std::uint64_t{kThreads} * kRounds / 2);
  EXPECT_EQ(bridge->live_bytes(), std::uint64_t{kThreads} * kRounds / 2 * 4096);
  EXPECT_EQ(s.allowed_total, std::uint64_t{kThreads} * kRounds);
  EXPECT_EQ(s.rule_usage[0].live_bytes, std::uint64_t{kThreads} * kRounds / 2 * 4096);
  EXPECT_EQ(s.violations_total, 0u);
}

int device_one_for_context(const void*) { return 1; }

TEST_F(EnforcerTest, ContextResetAndDestroyReleaseTheirDevicesAllocations) {
  BridgeOptions options;
  options.oracle = &oracle;
  options.sweep_interval_ms = 60000;
  bridge = std::make_unique<RuntimeBridge>(options);
  bridge->start_monitor();
  Enforcer::Hooks hooks;
  hooks.current_device = device_zero;
  hooks.context_device = device_one_for_context;
  Enforcer e(*bridge, OnViolation::Report, {}, CallSites::Off, hooks);
  CUdeviceptr out = 0x7f0000000000;
  auto a = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  a.params = {&out, 4096};
  deliver(e, a);
  out = 0x7f0000100000;
  deliver(e, a);
  EXPECT_EQ(bridge->live_allocations(), 2u);
  auto reset = call<cuDevicePrimaryCtxReset_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuDevicePrimaryCtxReset_v2);
  reset.params = {1};
  deliver(e, reset);
  EXPECT_EQ(bridge->live_allocations(), 2u) << "device 1 has none";
  reset.params = {0};
  deliver(e, reset);
  EXPECT_EQ(bridge->live_allocations(), 0u);
  EXPECT_EQ(e.stats().device_frees, 2u);
  EXPECT_EQ(e.stats().by_device.at(0).live_bytes, 0u);

  // cuCtxDestroy of a context on device 1 (the hook says so).
  auto b = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  CUdeviceptr other = 0x7f0000200000;
  b.params = {&other, 8192};
  e.on_callback(b.enter());
  CallbackRecord exit = b.exit();
  e.on_callback(exit);
  EXPECT_EQ(bridge->live_allocations(), 1u);
  auto destroy = call<cuCtxDestroy_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuCtxDestroy_v2);
  destroy.params = {reinterpret_cast<CUcontext>(0x1)};
  deliver(e, destroy);
  EXPECT_EQ(bridge->live_allocations(), 1u) << "the allocation is on device 0, the context on device 1";
}

TEST_F(EnforcerTest, ReportListsDeviceMemoryViolationsAndRules) {
  auto e = make(OnViolation::Report, parse_policy(R"({"allow": [{"kind": "pinned", "max_bytes_total": 4096}]})",
                                                  "p.json"));
  CUdeviceptr dptr = 0x7f0000000000;
  auto a = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  a.params = {&dptr, 8192};
  deliver(*e, a);
  void* out = reinterpret_cast<void*>(0x10000);
  auto p = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  p.params = {&out, 4096, CU_MEMHOSTALLOC_PORTABLE};
  deliver(*e, p);
  CUdeviceptr mptr = 0x7f2000000000;
  auto m = call<cuMemAllocManaged_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged);
  m.params = {&mptr, 1 << 20, CU_MEM_ATTACH_GLOBAL};
  deliver(*e, m);
  ReportContext c;
  c.pid = 42;
  c.program = "prog";
  c.injection_active = true;
  c.healthy = bridge->healthy();
  c.live_bytes = bridge->live_bytes();
  c.live_allocations = bridge->live_allocations();
  c.peak_bytes = bridge->peak_bytes();
  const auto j = nlohmann::json::parse(render_report(e->stats(), c));
  EXPECT_EQ(j["format"], "vram-only-run report 1");
  EXPECT_EQ(j["healthy"], false);
  EXPECT_EQ(j["device_memory"]["live_bytes"], 8192);
  EXPECT_EQ(j["device_memory"]["by_api"]["cuMemAlloc_v2"], (nlohmann::json{{"allocations", 1}, {"bytes", 8192}}));
  EXPECT_EQ(j["device_memory"]["by_device"][0]["device"], 0);
  EXPECT_EQ(j["violations_total"], 1);
  EXPECT_EQ(j["violations"][0], (nlohmann::json{{"api", "cuMemAllocManaged"},
                                                {"kind", "managed"},
                                                {"bytes", 1048576},
                                                {"device", 0},
                                                {"flags", "0x1"},
                                                {"detail", "flags=CU_MEM_ATTACH_GLOBAL"},
                                                {"pointer", "0x7f2000000000"},
                                                {"call_site",
                                                 {{"library", "/opt/llama/libggml-cuda.so"},
                                                  {"symbol", nullptr},
                                                  {"offset", "0x1234"},
                                                  {"method", "unwind"}}},
                                                {"reason", "managed (unified) memory (cuMemAllocManaged, 1048576 "
                                                           "bytes) is not VRAM (no rule of the policy allows "
                                                           "managed)"}}));
  EXPECT_EQ(j["allowed_total"], 1);
  EXPECT_EQ(j["allowed"][0]["rule_line"], 1);
  EXPECT_EQ(j["non_vram"]["pinned"]["allowed"], 1);
  EXPECT_EQ(j["policy_rules"][0]["live_bytes"], 4096);
  EXPECT_EQ(j["policy_rules"][0]["max_bytes_per_allocation"], 4096);
}

TEST_F(EnforcerTest, HealthServerAnswers503AndServesTheInjectionsMetrics) {
  auto e = make();
  std::string error;
  Enforcer* enforcer = e.get();
  const int port = bridge->start_health_server(
      "127.0.0.1", 0, [enforcer] { return render_metrics(enforcer->stats(), true); }, error);
  if (port < 0 && error.find("built without the health server") != std::string::npos) {
    GTEST_SKIP() << error;
  }
  ASSERT_GT(port, 0) << error;
  EXPECT_EQ(http_get(port, "/health").substr(0, 3), "200");
  void* out = reinterpret_cast<void*>(0x8000);
  auto p = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  p.params = {&out, 65536, 0};
  deliver(*e, p);
  const std::string health = http_get(port, "/health");
  EXPECT_EQ(health.substr(0, 3), "503") << health;
  EXPECT_NE(health.find("\"label\":\"cuMemHostAlloc flags=0 from libggml-cuda.so+0x1234\""), std::string::npos)
      << health;
  const std::string metrics = http_get(port, "/metrics");
  EXPECT_NE(metrics.find("vram_only_violations_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_attach_active 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_attach_non_vram_events_total{kind=\"pinned\",decision=\"violation\"} 1\n"),
            std::string::npos)
      << metrics;
  bridge->stop();
}

}  // namespace
}  // namespace vram_only::attach
