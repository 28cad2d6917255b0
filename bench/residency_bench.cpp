// The cost of a check: a tensor-construction check on a tracked pointer
// against a driver / runtime pointer-attribute query, and the tracker's
// overhead on cudaMalloc + cudaFree.
#include <benchmark/benchmark.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <memory>

#include <vram_only/residency.hpp>
#include <vram_only/tensor_check.hpp>
#include <vram_only/vram_tracker.hpp>

#include "bench_support.hpp"

namespace vram_only::bench {
namespace {

constexpr std::uintptr_t kBackgroundBase = std::uintptr_t{0x7d} << 40;

// A tracker holding 10,000 live allocations of mixed sizes.
std::unique_ptr<VramTracker> background_tracker(const ResidencyOracle* oracle) {
  TrackerOptions options;
  options.oracle = oracle;
  auto tracker = std::make_unique<VramTracker>(options);
  for (std::size_t i = 0; i < 10000; ++i) {
    const std::size_t sizes[] = {4096, 48 << 10, 2 << 20, 40 << 20};
    tracker->record_allocation(ptr(kBackgroundBase + i * (std::uintptr_t{64} << 20)), sizes[i % 4],
                               VramPurpose::ModelWeights);
  }
  return tracker;
}

// CPU: the tensor check on a tracked pointer whose residency is cached.
void BM_ViewCheckTracked(benchmark::State& state) {
  static const DeviceOracle oracle;
  static const auto tracker = background_tracker(&oracle);
  const void* base = ptr(kBackgroundBase + 2 * (std::uintptr_t{64} << 20));  // a 2 MiB one
  check_tensor_range(*tracker, base, 4096);  // first check: asks the oracle once
  std::size_t i = 0;
  for (auto _ : state) {
    const auto v = check_tensor_range(*tracker, ptr(reinterpret_cast<std::uintptr_t>(base) + (i++ & 255) * 4096), 4096);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ViewCheckTracked)->Name("view_check/tracked");

// CPU: what recording and freeing costs at the two allocation sizes of the
// cudaMalloc comparison, in a tracker holding 10,000 mixed allocations.
void BM_TrackerPairSized(benchmark::State& state) {
  static const DeviceOracle oracle;
  static const auto tracker = background_tracker(&oracle);
  const auto bytes = static_cast<std::size_t>(state.range(0));
  const std::uintptr_t base = std::uintptr_t{0x7c} << 40;
  std::size_t i = 0;
  for (auto _ : state) {
    const void* p = ptr(base + (i++ & 63) * (std::uintptr_t{128} << 20));
    tracker->record_allocation(p, bytes, VramPurpose::Activations);
    tracker->record_deallocation(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_TrackerPairSized)->Name("tracker_pair_sized")->Arg(4096)->Arg(64 << 20);

// ---- GPU -------------------------------------------------------------------

void BM_DriverQuery(benchmark::State& state) {
  void* p = nullptr;
  cudaMalloc(&p, 1 << 20);
  const ResidencyOracle& oracle = cuda_residency_oracle();
  for (auto _ : state) {
    benchmark::DoNotOptimize(oracle.query(p));
  }
  cudaFree(p);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_RuntimeQuery(benchmark::State& state) {
  void* p = nullptr;
  cudaMalloc(&p, 1 << 20);
  for (auto _ : state) {
    cudaPointerAttributes attributes{};
    benchmark::DoNotOptimize(cudaPointerGetAttributes(&attributes, p));
    benchmark::DoNotOptimize(attributes);
  }
  cudaFree(p);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ViewCheckTrackedGpu(benchmark::State& state) {
  static const auto tracker = background_tracker(&cuda_residency_oracle());
  void* p = nullptr;
  cudaMalloc(&p, 1 << 20);
  tracker->record_allocation(p, 1 << 20, VramPurpose::KvCache);
  if (check_tensor_range(*tracker, p, 1 << 20)) {
    state.SkipWithError("cudaMalloc memory is not resident?");
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(check_tensor_range(*tracker, static_cast<char*>(p) + (i++ & 255) * 4096, 4096));
  }
  tracker->record_deallocation(p);
  cudaFree(p);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ViewCheckUntrackedGpu(benchmark::State& state) {
  static const auto tracker = background_tracker(&cuda_residency_oracle());
  void* p = nullptr;
  cudaMalloc(&p, 1 << 20);
  for (auto _ : state) {
    benchmark::DoNotOptimize(check_tensor_range(*tracker, p, 4096));
  }
  cudaFree(p);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_CudaMallocFree(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = nullptr;
    cudaMalloc(&p, bytes);
    cudaFree(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_CudaMallocFreeTracked(benchmark::State& state) {
  static const auto tracker = background_tracker(&cuda_residency_oracle());
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = nullptr;
    cudaMalloc(&p, bytes);
    tracker->record_allocation(p, bytes, VramPurpose::Activations, {}, 0);
    tracker->record_deallocation(p);
    cudaFree(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

void register_gpu_residency_benchmarks() {
  benchmark::RegisterBenchmark("residency_query/driver", BM_DriverQuery);
  benchmark::RegisterBenchmark("residency_query/runtime", BM_RuntimeQuery);
  benchmark::RegisterBenchmark("view_check/tracked_gpu", BM_ViewCheckTrackedGpu);
  benchmark::RegisterBenchmark("view_check/untracked_gpu", BM_ViewCheckUntrackedGpu);
  benchmark::RegisterBenchmark("cuda_malloc_free", BM_CudaMallocFree)->Arg(4096)->Arg(64 << 20);
  benchmark::RegisterBenchmark("cuda_malloc_free_tracked", BM_CudaMallocFreeTracked)->Arg(4096)->Arg(64 << 20);
}

}  // namespace vram_only::bench
