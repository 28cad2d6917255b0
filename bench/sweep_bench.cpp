// Sweeps: time per allocation of a sweep over 1k / 10k / 100k live
// allocations against a bare loop of the same residency queries (same
// pointers, same oracle, same order), measured interleaved in one benchmark
// (sweep, bare, bare, sweep, sweep, bare, ...: each pass timed on its own)
// so that the driver's state favours neither side; and the latency of
// record/deallocate on another thread while sweeps run.
#include <benchmark/benchmark.h>

#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include <vram_only/residency.hpp>
#include <vram_only/vram_tracker.hpp>

#include "bench_support.hpp"

namespace vram_only::bench {
namespace {

constexpr std::uintptr_t kSweepBase = std::uintptr_t{0x7b} << 40;

struct Population {
  std::unique_ptr<VramTracker> tracker;
  std::vector<const void*> pointers;
};

Population synthetic(std::size_t n, const ResidencyOracle* oracle) {
  Population p;
  TrackerOptions options;
  options.oracle = oracle;
  p.tracker = std::make_unique<VramTracker>(options);
  for (std::size_t i = 0; i < n; ++i) {
    const void* q = ptr(kSweepBase + i * 8192);
    p.tracker->record_allocation(q, 4096, VramPurpose::KvCache);
    p.pointers.push_back(q);
  }
  return p;
}

const DeviceOracle& device_oracle() {
  static const DeviceOracle oracle;
  return oracle;
}

Population& synthetic_cached(std::size_t n) {
  static std::map<std::size_t, Population> cache;
  auto it = cache.find(n);
  if (it == cache.end()) {
    it = cache.emplace(n, synthetic(n, &device_oracle())).first;
  }
  return it->second;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// The sweep (A) and the bare loop over the same pointers through the same
// oracle in the sweep's (ascending address) order (B), alternated A B B A
// A B ... Counters: sweep_ns and bare_ns per allocation (medians over the
// passes) and ratio (the median of each adjacent pair's sweep / bare).
void sweep_against_bare_queries(benchmark::State& state, Population& p) {
  const ResidencyOracle& oracle = p.tracker->oracle();  // the one the sweep uses
  std::vector<const void*> pointers = p.pointers;
  std::sort(pointers.begin(), pointers.end(), [](const void* a, const void* b) {
    return reinterpret_cast<std::uintptr_t>(a) < reinterpret_cast<std::uintptr_t>(b);
  });
  const double n = static_cast<double>(pointers.size());
  std::vector<double> sweep_ns;
  std::vector<double> bare_ns;
  std::vector<double> ratios;
  bool bare_first = false;
  for (auto _ : state) {
    const auto time_sweep = [&] {
      const auto t0 = std::chrono::steady_clock::now();
      const bool resident = static_cast<bool>(p.tracker->verify_vram_residency());
      const auto t1 = std::chrono::steady_clock::now();
      if (!resident) {
        state.SkipWithError("violation in the benchmark population");
      }
      return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
    };
    const auto time_bare = [&] {
      const auto t0 = std::chrono::steady_clock::now();
      for (const void* q : pointers) {
        benchmark::DoNotOptimize(oracle.query(q));
      }
      const auto t1 = std::chrono::steady_clock::now();
      return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
    };
    double a = 0;
    double b = 0;
    if (bare_first) {
      b = time_bare();
      a = time_sweep();
    } else {
      a = time_sweep();
      b = time_bare();
    }
    bare_first = !bare_first;
    sweep_ns.push_back(a);
    bare_ns.push_back(b);
    ratios.push_back(a / b);
  }
  state.counters["sweep_ns"] = median(sweep_ns);
  state.counters["bare_ns"] = median(bare_ns);
  state.counters["ratio"] = median(ratios);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2 *
                          static_cast<std::int64_t>(pointers.size()));
}

// CPU: the sweep's own cost per allocation (the oracle answers at once).
void BM_SweepInterleavedCpu(benchmark::State& state) {
  sweep_against_bare_queries(state, synthetic_cached(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_SweepInterleavedCpu)->Name("sweep_interleaved_cpu")->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// Latency of one record + deallocate pair while another thread sweeps the
// tracker continuously (or, for reference, without a sweeper). Reports
// p50 / p99 / max in nanoseconds.
void pair_latency_during_sweeps(benchmark::State& state, VramTracker& tracker, bool sweeping,
                                const ResidencyOracle& oracle) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> sweeps{0};
  std::thread sweeper;
  if (sweeping) {
    sweeper = std::thread([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        detail::sweep(tracker, oracle, &stop);
        sweeps.fetch_add(1, std::memory_order_relaxed);
      }
    });
    while (sweeping && sweeps.load() == 0) {
      std::this_thread::yield();  // measure while sweeps are running
    }
  }
  std::vector<std::uint32_t> latencies;
  latencies.reserve(static_cast<std::size_t>(state.max_iterations));
  const std::uintptr_t base = std::uintptr_t{0x7a} << 40;
  std::size_t i = 0;
  for (auto _ : state) {
    const void* p = ptr(base + (i++ & 4095) * 8192);
    const auto t0 = std::chrono::steady_clock::now();
    tracker.record_allocation(p, 4096, VramPurpose::Activations);
    tracker.record_deallocation(p);
    const auto t1 = std::chrono::steady_clock::now();
    latencies.push_back(static_cast<std::uint32_t>(
        std::min<std::int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count(),
                               UINT32_MAX)));
  }
  stop = true;
  if (sweeper.joinable()) {
    sweeper.join();
  }
  std::sort(latencies.begin(), latencies.end());
  const auto at = [&](double q) {
    return static_cast<double>(latencies[static_cast<std::size_t>(q * (latencies.size() - 1))]);
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["max_ns"] = static_cast<double>(latencies.back());
  state.counters["sweeps"] = static_cast<double>(sweeps.load());
}

template <bool Sweeping>
void BM_PairLatencyCpu(benchmark::State& state) {
  // A driver-like oracle (a few tens of ns per query) so that a sweep of
  // 100k allocations lasts milliseconds, as on a GPU.
  static const SlowDeviceOracle oracle(40);
  Population& p = synthetic_cached(100000);
  pair_latency_during_sweeps(state, *p.tracker, Sweeping, oracle);
}
BENCHMARK_TEMPLATE(BM_PairLatencyCpu, true)->Name("pair_latency_cpu/100k_sweeping")->Iterations(300000)->UseRealTime();
BENCHMARK_TEMPLATE(BM_PairLatencyCpu, false)->Name("pair_latency_cpu/idle")->Iterations(300000)->UseRealTime();

// ---- GPU -------------------------------------------------------------------

// n real device allocations (cudaMalloc of 4 KiB), tracked; made once.
Population& device_population(std::size_t n) {
  static std::map<std::size_t, Population> cache;
  auto it = cache.find(n);
  if (it == cache.end()) {
    Population p;
    p.tracker = std::make_unique<VramTracker>();  // the CUDA driver oracle
    for (std::size_t i = 0; i < n; ++i) {
      void* q = nullptr;
      if (cudaMalloc(&q, 4096) != cudaSuccess) {
        break;
      }
      p.tracker->record_allocation(q, 4096, VramPurpose::KvCache, {}, 0);
      p.pointers.push_back(q);
    }
    it = cache.emplace(n, std::move(p)).first;
  }
  return it->second;
}

void BM_SweepInterleavedGpu(benchmark::State& state) {
  Population& p = device_population(static_cast<std::size_t>(state.range(0)));
  if (p.pointers.size() != static_cast<std::size_t>(state.range(0))) {
    state.SkipWithError("could not make the allocations");
    return;
  }
  sweep_against_bare_queries(state, p);
}

// For reading the sweep rows: the same driver queries in a random order (a
// sweep in hash order paid this; the driver answers neighbouring addresses
// much faster).
void BM_BareDriverQueriesShuffled(benchmark::State& state) {
  Population& p = device_population(static_cast<std::size_t>(state.range(0)));
  std::vector<const void*> pointers = p.pointers;
  std::mt19937_64 rng(12345);
  std::shuffle(pointers.begin(), pointers.end(), rng);
  const ResidencyOracle& oracle = p.tracker->oracle();
  for (auto _ : state) {
    for (const void* q : pointers) {
      benchmark::DoNotOptimize(oracle.query(q));
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

template <bool Sweeping>
void BM_PairLatencyGpu(benchmark::State& state) {
  Population& p = device_population(100000);
  pair_latency_during_sweeps(state, *p.tracker, Sweeping, cuda_residency_oracle());
}

}  // namespace

void register_gpu_sweep_benchmarks() {
  for (const int n : {1000, 10000, 100000}) {
    benchmark::RegisterBenchmark("sweep_interleaved_gpu", BM_SweepInterleavedGpu)->Arg(n)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("sweep_gpu/bare_driver_queries_shuffled", BM_BareDriverQueriesShuffled)->Arg(n)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("pair_latency_gpu/100k_sweeping", BM_PairLatencyGpu<true>)->Iterations(300000)->UseRealTime();
  benchmark::RegisterBenchmark("pair_latency_gpu/idle", BM_PairLatencyGpu<false>)->Iterations(300000)->UseRealTime();
}

}  // namespace vram_only::bench
