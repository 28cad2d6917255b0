// Prints the /metrics libvram_only_attach.so serves under vram-only-run,
// fetched over HTTP from the library's own RuntimeBridge: the runtime's
// series, the injection's (render_metrics) and the process group's (two
// members, one violating), as a pod's port serves them. promtool checks the
// output (check_metrics.sh).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "attach_report.hpp"
#include "enforcer.hpp"
#include "http_get.hpp"
#include "runtime_bridge.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/residency_oracle.hpp"

namespace {

class DeviceOracle final : public vram_only::ResidencyOracle {
 public:
  vram_only::ResidencyVerdict query(const void*) const noexcept override {
    vram_only::ResidencyVerdict v;
    v.memory_type = vram_only::MemoryType::Device;
    v.reason = "device memory";
    return v;
  }
};

}  // namespace

int main() {
  using namespace vram_only::attach;
  vram_only::set_default_log_sink([](vram_only::LogLevel, std::string_view) {});
  char root[] = "/tmp/vram-only-metrics-sample-XXXXXX";
  if (mkdtemp(root) == nullptr) return 1;
  DeviceOracle oracle;
  BridgeOptions options;
  options.oracle = &oracle;
  options.sweep_interval_ms = 60000;
  options.group = "sample";
  options.group_root = root;
  RuntimeBridge serving(options);
  RuntimeBridge worker(options);
  serving.start_monitor();
  worker.start_monitor();
  serving.record_device(0x7f0000000000, 1 << 20, 0, "cuMemAlloc_v2 from libggml-cuda.so+0x10");
  worker.record_device(0x7f1000000000, 2 << 20, 0, "cuMemAlloc_v2 from libtorch_cuda.so+0x20");
  worker.report_violation(ViolationRecord{0x7f2000000000, 16 << 20, -1, false,
                                          "cuMemHostAlloc flags=0 from libtorch_cuda.so+0x30", "pinned host memory", 1});
  EnforcerStats stats;
  stats.by_api["cuMemAlloc_v2"] = ApiTotals{1, 1 << 20};
  stats.by_kind[static_cast<std::size_t>(MemoryKind::Pinned)].violations = 1;
  stats.by_kind[static_cast<std::size_t>(MemoryKind::Pinned)].bytes = 16 << 20;
  std::string error;
  const int port = serving.start_health_server(
      "127.0.0.1", 0, [stats] { return render_metrics(stats, true); }, error);
  std::string answer = port > 0 ? http_get(port, "/metrics") : "";
  serving.stop();
  worker.stop();
  std::filesystem::remove_all(root);
  if (answer.rfind("200 ", 0) != 0) {
    std::fprintf(stderr, "attach_metrics_sample: GET /metrics failed: %s\n", port > 0 ? answer.c_str() : error.c_str());
    return 1;
  }
  answer = answer.substr(4);
  std::fwrite(answer.data(), 1, answer.size(), stdout);
  return 0;
}
