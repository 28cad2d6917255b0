// /health on loopback: requests per second and latency percentiles while a
// sweep of 10,000 allocations runs continuously, and idle for reference.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <vram_only/health_server.hpp>

#include "bench_support.hpp"

namespace vram_only::bench {
namespace {

constexpr int kClients = 4;
constexpr auto kDuration = std::chrono::seconds(2);

template <bool Sweeping>
void BM_Health(benchmark::State& state) {
  const bool sweeping = Sweeping;
  static const SlowDeviceOracle oracle(40);
  TrackerOptions options;
  options.oracle = &oracle;
  VramTracker tracker(options);
  for (std::uintptr_t i = 0; i < 10000; ++i) {
    tracker.record_allocation(ptr((std::uintptr_t{0x79} << 40) + i * 8192), 4096, VramPurpose::KvCache);
  }
  HealthMonitor monitor(tracker, {});
  monitor.check_now();
  HealthServer server(monitor, {"127.0.0.1", 0});
  server.start();

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> sweeps{0};
  std::thread sweeper;
  if (sweeping) {
    sweeper = std::thread([&] {
      while (!stop.load()) {
        monitor.check_now();
        ++sweeps;
      }
    });
  }

  std::vector<std::vector<std::uint32_t>> latencies(kClients);
  std::atomic<std::uint64_t> errors{0};
  double seconds = 0;
  for (auto _ : state) {
    std::vector<std::thread> clients;
    const auto started = std::chrono::steady_clock::now();
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", server.port());
        client.set_keep_alive(true);
        client.set_tcp_nodelay(true);
        const auto end = started + kDuration;
        while (std::chrono::steady_clock::now() < end) {
          const auto t0 = std::chrono::steady_clock::now();
          const auto res = client.Get("/health");
          const auto t1 = std::chrono::steady_clock::now();
          if (!res || res->status != 200) {
            ++errors;
            continue;
          }
          latencies[c].push_back(static_cast<std::uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
        }
      });
    }
    for (auto& t : clients) {
      t.join();
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  stop = true;
  if (sweeper.joinable()) {
    sweeper.join();
  }
  server.stop();

  std::vector<std::uint32_t> all;
  for (const auto& l : latencies) {
    all.insert(all.end(), l.begin(), l.end());
  }
  if (all.empty()) {
    state.SkipWithError("no successful request");
    return;
  }
  std::sort(all.begin(), all.end());
  const auto at = [&](double q) { return static_cast<double>(all[static_cast<std::size_t>(q * (all.size() - 1))]); };
  state.counters["rps"] = static_cast<double>(all.size()) / seconds;
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["errors"] = static_cast<double>(errors.load());
  state.counters["sweeps"] = static_cast<double>(sweeps.load());
}
BENCHMARK_TEMPLATE(BM_Health, true)->Name("health_endpoint/sweeping")->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Health, false)->Name("health_endpoint/idle")->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vram_only::bench
