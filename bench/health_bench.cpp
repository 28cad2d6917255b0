// /health on loopback: requests per second and latency percentiles while a
// sweep of 10,000 allocations runs continuously, and idle for reference;
// `under_load`: idle (no sweep) while 8 clients send their headers a byte
// every 20 ms and 50 connections sit idle, the traffic that left the
// cpp-httplib thread pool unable to answer.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vram_only/health_server.hpp>

#include "bench_support.hpp"

namespace vram_only::bench {
namespace {

constexpr int kClients = 4;
constexpr auto kDuration = std::chrono::seconds(2);

enum class Load { Idle, Sweeping, SlowAndIdleClients };

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

template <Load kLoad>
void BM_Health(benchmark::State& state) {
  const bool sweeping = kLoad == Load::Sweeping;
  static const SlowDeviceOracle oracle(40);
  TrackerOptions options;
  options.oracle = &oracle;
  VramTracker tracker(options);
  for (std::uintptr_t i = 0; i < 10000; ++i) {
    tracker.record_allocation(ptr((std::uintptr_t{0x79} << 40) + i * 8192), 4096, VramPurpose::KvCache);
  }
  HealthMonitor monitor(tracker, {});
  monitor.check_now();
  HealthServer server(monitor, {"127.0.0.1", 0});  // default limits (64 connections)
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

  // Slow and idle clients (under_load); they reconnect when the server
  // closes them (deadline or eviction).
  std::vector<std::thread> load;
  if (kLoad == Load::SlowAndIdleClients) {
    for (int i = 0; i < 8; ++i) {
      load.emplace_back([&] {
        while (!stop.load()) {
          const int fd = connect_loopback(server.port());
          const std::string head = "GET /health HTTP/1.1\r\nX-Slow: ";
          for (std::size_t b = 0; fd >= 0 && !stop.load(); ++b) {
            const char byte = b < head.size() ? head[b] : 'a';
            if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
              break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
          if (fd >= 0) {
            ::close(fd);
          }
        }
      });
    }
  }
  std::vector<int> idle;
  for (int i = 0; kLoad == Load::SlowAndIdleClients && i < 50; ++i) {
    idle.push_back(connect_loopback(server.port()));
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
  for (auto& t : load) {
    t.join();
  }
  server.stop();
  for (const int fd : idle) {
    if (fd >= 0) {
      ::close(fd);
    }
  }

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
BENCHMARK_TEMPLATE(BM_Health, Load::Sweeping)->Name("health_endpoint/sweeping")->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Health, Load::Idle)->Name("health_endpoint/idle")->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Health, Load::SlowAndIdleClients)->Name("health_endpoint/under_load")->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vram_only::bench
