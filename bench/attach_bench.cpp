// Cost per allocation call of libvram_only_attach.so's own path, without
// CUPTI or a GPU: CUPTI's callback records for cuMemAlloc_v2 + cuMemFree_v2
// (enter and exit each) through the decoder, the enforcer and the runtime's
// tracker, against the bare tracker (record + deallocate) measured in the
// same run. The CUPTI dispatch and the driver call itself are measured on
// the GPU by scripts/gpu-realclients (attach_alloc_loop).
//
//   build/bin/vram_only_attach_bench [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include "cupti_records.hpp"

#include <memory>

#include "bench_support.hpp"
#include "call_site.hpp"
#include "enforcer.hpp"
#include "policy_file.hpp"
#include "runtime_bridge.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/vram_tracker.hpp"

namespace {

using namespace vram_only::attach;
using vram_only::attach::testing::call;

int device_zero() { return 0; }

struct Setup {
  explicit Setup(CallSites sites, const char* policy = R"({"allow": [{"kind": "pinned", "max_bytes_total": "1 TiB"}]})") {
    vram_only::set_default_log_sink([](vram_only::LogLevel, std::string_view) {});
    BridgeOptions options;
    options.oracle = &oracle;
    options.sweep_interval_ms = 3600 * 1000;
    bridge = std::make_unique<RuntimeBridge>(options);
    Enforcer::Hooks hooks;
    hooks.current_device = device_zero;
    hooks.find_call_site = find_call_site;
    enforcer = std::make_unique<Enforcer>(*bridge, OnViolation::Report, parse_policy(policy, "bench"), sites, hooks);
  }
  ~Setup() { vram_only::set_default_log_sink({}); }
  vram_only::bench::DeviceOracle oracle;
  std::unique_ptr<RuntimeBridge> bridge;
  std::unique_ptr<Enforcer> enforcer;
};

// Baseline: what a worker pays to record and release by hand.
void BM_BareTrackerRecordRelease(benchmark::State& state) {
  vram_only::bench::DeviceOracle oracle;
  vram_only::TrackerOptions options;
  options.oracle = &oracle;
  vram_only::VramTracker tracker(options);
  std::uintptr_t p = 0x7f0000000000;
  for (auto _ : state) {
    tracker.record_allocation(reinterpret_cast<const void*>(p), 4096, vram_only::VramPurpose::Other, "cuMemAlloc_v2", 0);
    tracker.record_deallocation(reinterpret_cast<const void*>(p));
    p += 4096;
  }
}
BENCHMARK(BM_BareTrackerRecordRelease);

// The four callbacks of one cudaMalloc + cudaFree.
void device_pair(benchmark::State& state, CallSites sites) {
  Setup s(sites);
  CUdeviceptr out = 0x7f0000000000;
  auto alloc = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  alloc.params = {&out, 4096};
  auto free = call<cuMemFree_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2);
  for (auto _ : state) {
    s.enforcer->on_callback(alloc.enter());
    s.enforcer->on_callback(alloc.exit());
    free.params.dptr = out;
    s.enforcer->on_callback(free.enter());
    s.enforcer->on_callback(free.exit());
    out += 4096;
  }
}
void BM_AttachDeviceAllocFree_NoCallSite(benchmark::State& state) { device_pair(state, CallSites::Off); }
void BM_AttachDeviceAllocFree_WithCallSite(benchmark::State& state) { device_pair(state, CallSites::All); }
BENCHMARK(BM_AttachDeviceAllocFree_NoCallSite);
BENCHMARK(BM_AttachDeviceAllocFree_WithCallSite);

// A pinned allocation allowed by the policy, and its free.
void BM_AttachAllowedPinnedAllocFree(benchmark::State& state) {
  Setup s(CallSites::All);
  void* out = reinterpret_cast<void*>(0x10000);
  auto alloc = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  alloc.params = {&out, 4096, 0};
  auto free = call<cuMemFreeHost_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost);
  std::uintptr_t p = 0x10000;
  for (auto _ : state) {
    out = reinterpret_cast<void*>(p);
    s.enforcer->on_callback(alloc.enter());
    s.enforcer->on_callback(alloc.exit());
    free.params.p = out;
    s.enforcer->on_callback(free.enter());
    s.enforcer->on_callback(free.exit());
    p += 4096;
  }
}
BENCHMARK(BM_AttachAllowedPinnedAllocFree);

// A callback id the library does not act on (cuMemcpy is never enabled; this
// is the decoder's cost for an enabled id that decodes to nothing).
void BM_AttachFailedCall(benchmark::State& state) {
  Setup s(CallSites::Off);
  CUdeviceptr out = 0;
  auto alloc = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  alloc.params = {&out, 4096};
  for (auto _ : state) {
    s.enforcer->on_callback(alloc.enter());
    s.enforcer->on_callback(alloc.exit(CUDA_ERROR_OUT_OF_MEMORY));
  }
}
BENCHMARK(BM_AttachFailedCall);

}  // namespace

BENCHMARK_MAIN();
