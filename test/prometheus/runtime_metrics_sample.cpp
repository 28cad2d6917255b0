// Prints the /metrics a HealthServer serves, fetched over HTTP: the
// runtime's endpoint exactly as the example worker starts it
// (HealthServerOptions{host, port}, no extra metrics), with one tracked
// allocation found in host memory so that every series has samples.
// promtool checks the output (check_metrics.sh).
#include <cstdio>

#include <vram_only/health_server.hpp>

namespace {

// The first 4 KiB of the range are device memory, the rest host memory.
class SampleOracle final : public vram_only::ResidencyOracle {
 public:
  vram_only::ResidencyVerdict query(const void* p) const noexcept override {
    vram_only::ResidencyVerdict v;
    const bool device = reinterpret_cast<std::uintptr_t>(p) < 0x7f0000100000;
    v.memory_type = device ? vram_only::MemoryType::Device : vram_only::MemoryType::Host;
    v.device = device ? 0 : -1;
    v.reason = device ? "device memory" : "host memory";
    return v;
  }
};

}  // namespace

int main() {
  SampleOracle oracle;
  vram_only::TrackerOptions tracker_options;
  tracker_options.oracle = &oracle;
  tracker_options.sink = [](vram_only::LogLevel, std::string_view) {};
  vram_only::VramTracker tracker(tracker_options);
  tracker.record_allocation(reinterpret_cast<void*>(0x7f0000000000), 1 << 20, vram_only::VramPurpose::ModelWeights,
                            "weights", 0);
  tracker.record_allocation(reinterpret_cast<void*>(0x7f0000200000), 4096, vram_only::VramPurpose::KvCache, "kv", 0);
  vram_only::HealthMonitor monitor(tracker, vram_only::HealthMonitorOptions{});
  monitor.check_now();
  vram_only::HealthServer server(monitor, vram_only::HealthServerOptions{"127.0.0.1", 0});
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const auto res = client.Get("/metrics");
  if (!res || res->status != 200) {
    std::fprintf(stderr, "runtime_metrics_sample: GET /metrics failed\n");
    return 1;
  }
  std::fwrite(res->body.data(), 1, res->body.size(), stdout);
  server.stop();
  return 0;
}
