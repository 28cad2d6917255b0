// RuntimeBridge: the one place where the injection library uses the
// header-only runtime (runtime/include/vram_only/): the tracker records the
// process's device allocations, the HealthMonitor sweeps them and keeps the
// health, the HealthServer serves /health and /metrics, the log sink prints
// the CRITICAL lines. Non-VRAM allocations never enter the tracker (its
// sweep would call them violations again); they are published as
// violations through the tracker's listeners, which is how the monitor
// hears of violations found outside its sweeps, so they reach the CRITICAL
// line, /health 503 and /metrics like the sweep's own.
//
// It uses the runtime's public surface: VramTracker (record_allocation,
// record_deallocation, find, snapshot, usage_on_device, total_usage,
// live_count, peak_usage), HealthMonitor, HealthServer (extra_metrics),
// LogSink and Violation; and one hook, detail::publish_violation, the
// tracker's way of handing a violation found outside a sweep to its
// listeners (the tensor checks use it the same way).
//
// With a group (BridgeOptions::group), the process joins it when the
// monitor starts (group_publisher.hpp): its state is published in the
// group's directory at every change, and the health server, if it gets the
// port, serves the group's aggregate view (group_view.hpp); if another
// member holds the port, this one stands by and takes it over when that
// one is gone. Whichever backend feeds the events, the group sees what the
// bridge sees.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "vram_only/health_detail.hpp"

namespace vram_only::attach {

enum class LogLevel { Info, Warning, Error, Critical };

struct BridgeOptions {
  unsigned sweep_interval_ms = 5000;
  // Residency answers for the sweep: null = the CUDA driver. Tests pass
  // their own (a vram_only::ResidencyOracle*).
  const void* oracle = nullptr;
  // The process group sharing one /health view; empty: none (this process alone).
  std::string group;
  // Where the group directories live (<root>/vram-only-<uid>/<group>).
  std::string group_root = "/dev/shm";
  // How often the member state is refreshed and a standing-by member tries
  // to take the port over.
  unsigned publish_interval_ms = 1000;
  // Which /health clients see pointers and library offsets.
  HealthDetail health_detail = HealthDetail::Local;
};

struct AttachOptions;
// The bridge's settings from the library's options: the sweep interval,
// the group (the process's own, pid-<pid>-<starttime>, when none is set) and
// the health detail. Every backend starts its bridge with these.
BridgeOptions bridge_options_from(const AttachOptions& options);

// A non-VRAM allocation or use, for the runtime's violation record.
struct ViolationRecord {
  std::uint64_t pointer = 0;
  std::size_t bytes = 0;
  int device = -1;
  bool managed = false;  // memory_type Managed (else Host)
  std::string label;     // "cuMemAllocManaged flags=... from libfoo.so+0x12"
  std::string reason;
  std::uint64_t id = 0;  // unique per violation
};

struct DeviceRelease {
  bool found = false;
  std::size_t bytes = 0;
  int device = -1;
};

class RuntimeBridge {
 public:
  explicit RuntimeBridge(BridgeOptions options = {});
  ~RuntimeBridge();
  RuntimeBridge(const RuntimeBridge&) = delete;
  RuntimeBridge& operator=(const RuntimeBridge&) = delete;

  // Starts the periodic sweep (its first check runs now), and joins the
  // group, if any.
  void start_monitor();
  // Serves /health and /metrics on host:port (0 = any free port) and logs
  // where. Returns the bound port, 0 when another member of the group holds
  // the port (this process stands by to take it over; logged), or -1 with
  // `error` set. `extra_metrics` is appended to /metrics.
  int start_health_server(const std::string& host, int port, std::function<std::string()> extra_metrics,
                          std::string& error);
  // Stops the server and the sweep; a group member publishes its exit.
  void stop();

  // A CUDA array lives under its handle: the sweep is told it is device memory.
  void record_device(std::uint64_t pointer, std::size_t bytes, int device, const std::string& label,
                     bool is_array = false);
  DeviceRelease release_device(std::uint64_t pointer);
  // Releases every tracked allocation on `device`; returns how many and their bytes.
  DeviceRelease release_all_on_device(int device, std::uint64_t* count);

  // Logs the CRITICAL line and publishes the violation (health turns 503).
  void report_violation(const ViolationRecord& violation);
  // Marks the process unhealthy (e.g. the injection could not start).
  void mark_unhealthy(const std::string& reason);

  void log(LogLevel level, const std::string& text);

  bool healthy() const;
  std::uint64_t live_bytes() const;
  std::uint64_t live_allocations() const;
  std::uint64_t peak_bytes() const;
  std::uint64_t live_bytes_on_device(int device) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vram_only::attach
