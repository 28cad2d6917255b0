// Tracker throughput: a record+deallocate pair and a range lookup, at 1, 2,
// 4, 8 and 16 threads, for VramTracker, the two baselines and the std::map
// candidate (baseline_trackers.hpp).
//
// Each tracker holds 10,000 live background allocations while measured
// (a worker's steady state); pair threads record and free 4 KiB allocations
// in their own address ranges (tracker_pair) or side by side in one shared
// range (tracker_pair_interleaved). Lookups hit random interior pointers of the
// background allocations (the unordered_map baseline can only look up base
// addresses, so it is given those).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include <vram_only/vram_tracker.hpp>

#include "baseline_trackers.hpp"
#include "bench_support.hpp"

namespace vram_only::bench {
namespace {

constexpr std::size_t kBackground = 10000;
constexpr std::uintptr_t kBackgroundBase = std::uintptr_t{0x7f} << 40;
constexpr std::uintptr_t kBackgroundStride = 1 << 16;
constexpr std::uintptr_t kPairBase = std::uintptr_t{0x7e} << 40;  // 16 ranges of 2^34, then the shared one

// Background allocations: uniform 4 KiB, or mixed sizes (4 KiB, 48 KiB, 2 MiB, 40 MiB)
// like a worker's buffers, weights and KV pages.
std::size_t background_size(std::size_t i, bool mixed) {
  if (!mixed) {
    return 4096;
  }
  switch (i % 4) {
    case 0: return 4096;
    case 1: return 48 << 10;
    case 2: return 2 << 20;
    default: return 40 << 20;
  }
}

std::uintptr_t background_base(std::size_t i, bool mixed) {
  return kBackgroundBase + i * (mixed ? (std::uintptr_t{64} << 20) : kBackgroundStride);
}

template <class Tracker, bool Mixed>
Tracker& populated() {
  static Tracker* const tracker = [] {
    auto* t = new Tracker();
    for (std::size_t i = 0; i < kBackground; ++i) {
      t->record_allocation(ptr(background_base(i, Mixed)), background_size(i, Mixed),
                           VramPurpose::ModelWeights);
    }
    return t;
  }();
  return *tracker;
}

template <class Tracker>
void BM_Pair(benchmark::State& state) {
  Tracker& tracker = populated<Tracker, false>();
  const std::uintptr_t region = kPairBase + (static_cast<std::uintptr_t>(state.thread_index()) << 34);
  std::size_t i = 0;
  bool ok = true;
  for (auto _ : state) {
    const void* p = ptr(region + (i++ & 4095) * 8192);
    ok &= tracker.record_allocation(p, 4096, VramPurpose::Activations);
    ok &= tracker.record_deallocation(p);
  }
  if (!ok) {
    state.SkipWithError("a record or deallocation was refused");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Threads recording side by side in one shared region (neighbouring
// addresses, as from one allocator shared by all threads): the other side
// of the shard-group trade-off.
template <class Tracker>
void BM_PairInterleaved(benchmark::State& state) {
  Tracker& tracker = populated<Tracker, false>();
  const auto threads = static_cast<std::uintptr_t>(state.threads());
  const auto t = static_cast<std::uintptr_t>(state.thread_index());
  const std::uintptr_t region = kPairBase + (std::uintptr_t{1} << 39);  // after the per-thread ranges
  std::size_t i = 0;
  bool ok = true;
  for (auto _ : state) {
    const void* p = ptr(region + ((i++ & 4095) * threads + t) * 8192);
    ok &= tracker.record_allocation(p, 4096, VramPurpose::Activations);
    ok &= tracker.record_deallocation(p);
  }
  if (!ok) {
    state.SkipWithError("a record or deallocation was refused");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Tracker, bool Mixed, bool ExactOnly>
void BM_Lookup(benchmark::State& state) {
  Tracker& tracker = populated<Tracker, Mixed>();
  std::mt19937_64 rng(1 + state.thread_index());
  std::vector<const void*> probes(8192);
  for (auto& p : probes) {
    const std::size_t i = rng() % kBackground;
    const std::size_t offset = ExactOnly ? 0 : rng() % background_size(i, Mixed);
    p = ptr(background_base(i, Mixed) + offset);
  }
  std::size_t i = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    const auto hit = tracker.find(probes[i++ & 8191]);
    found += hit.has_value() ? 1 : 0;
    benchmark::DoNotOptimize(hit);
  }
  if (found != static_cast<std::size_t>(state.iterations())) {
    state.SkipWithError("a lookup missed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK_TEMPLATE(BM_Pair, VramTracker)->Name("tracker_pair/vram_only")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Pair, MutexMapTracker)->Name("tracker_pair/mutex_unordered_map")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Pair, SharedMutexMapTracker)->Name("tracker_pair/shared_mutex_map")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Pair, ReaderSlotsMapTracker)->Name("tracker_pair/reader_slots_map")->ThreadRange(1, 16)->UseRealTime();

BENCHMARK_TEMPLATE(BM_PairInterleaved, VramTracker)->Name("tracker_pair_interleaved/vram_only")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_PairInterleaved, MutexMapTracker)->Name("tracker_pair_interleaved/mutex_unordered_map")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_PairInterleaved, SharedMutexMapTracker)->Name("tracker_pair_interleaved/shared_mutex_map")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_PairInterleaved, ReaderSlotsMapTracker)->Name("tracker_pair_interleaved/reader_slots_map")->ThreadRange(1, 16)->UseRealTime();

BENCHMARK_TEMPLATE(BM_Lookup, VramTracker, false, false)->Name("tracker_lookup/vram_only")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Lookup, MutexMapTracker, false, true)->Name("tracker_lookup/mutex_unordered_map")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Lookup, SharedMutexMapTracker, false, false)->Name("tracker_lookup/shared_mutex_map")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Lookup, ReaderSlotsMapTracker, false, false)->Name("tracker_lookup/reader_slots_map")->ThreadRange(1, 16)->UseRealTime();

BENCHMARK_TEMPLATE(BM_Lookup, VramTracker, true, false)->Name("tracker_lookup_mixed/vram_only")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Lookup, SharedMutexMapTracker, true, false)->Name("tracker_lookup_mixed/shared_mutex_map")->ThreadRange(1, 16)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Lookup, ReaderSlotsMapTracker, true, false)->Name("tracker_lookup_mixed/reader_slots_map")->ThreadRange(1, 16)->UseRealTime();

}  // namespace
}  // namespace vram_only::bench
