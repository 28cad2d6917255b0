#include "runtime_bridge.hpp"

#include <unistd.h>

#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <system_error>
#include <unordered_set>

#include "attach_options.hpp"
#include "group_publisher.hpp"
#include "group_view.hpp"
#include "vram_only/health_monitor.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/violation.hpp"
#include "vram_only/vram_tracker.hpp"
#if VRAM_ONLY_ATTACH_HEALTH_SERVER
#include "vram_only/health_server.hpp"
#endif

namespace vram_only::attach {
namespace {

// The sweep's oracle: CUDA arrays are recorded under their handle, which
// is no device address; they are device memory by construction. Other
// addresses go to `next`, by default the CUDA driver's oracle, made at the
// first query: making it calls cuInit, which must not happen inside
// InitializeInjection (itself called from within the program's cuInit).
class ArrayAwareOracle final : public ResidencyOracle {
 public:
  explicit ArrayAwareOracle(const ResidencyOracle* next) : next_(next) {}

  ResidencyVerdict query(const void* ptr) const noexcept override {
    {
      std::shared_lock<std::shared_mutex> lock(mutex_);
      if (!arrays_.empty() && arrays_.count(reinterpret_cast<std::uintptr_t>(ptr)) != 0) {
        ResidencyVerdict v;
        v.memory_type = MemoryType::Device;
        v.reason = "CUDA array (device memory)";
        return v;
      }
    }
    return next_ != nullptr ? next_->query(ptr) : cuda_residency_oracle().query(ptr);
  }
  void add(std::uintptr_t handle) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    arrays_.insert(handle);
  }
  void remove(std::uintptr_t handle) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    arrays_.erase(handle);
  }

 private:
  const ResidencyOracle* next_;
  mutable std::shared_mutex mutex_;
  std::unordered_set<std::uintptr_t> arrays_;
};

const void* as_pointer(std::uint64_t p) { return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(p)); }

vram_only::LogLevel runtime_level(LogLevel level) {
  switch (level) {
    case LogLevel::Info: return vram_only::LogLevel::Info;
    case LogLevel::Warning: return vram_only::LogLevel::Warning;
    case LogLevel::Error: return vram_only::LogLevel::Error;
    case LogLevel::Critical: return vram_only::LogLevel::Critical;
  }
  return vram_only::LogLevel::Error;
}

MemberViolation member_violation(const Violation& v) {
  return MemberViolation{std::string(to_string(v.kind)), std::string(to_string(v.memory_type)), v.label, v.reason,
                         static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v.pointer)), v.bytes, v.device};
}

}  // namespace

BridgeOptions bridge_options_from(const AttachOptions& options) {
  BridgeOptions b;
  b.sweep_interval_ms = options.sweep_interval_ms;
  b.health_detail = options.health_detail;
  b.group = options.group;
  if (b.group.empty()) {
    const long pid = static_cast<long>(getpid());
    b.group = "pid-" + std::to_string(pid) + "-" + std::to_string(process_start_time(pid).value_or(0));
  }
  return b;
}

struct RuntimeBridge::Impl {
  explicit Impl(const BridgeOptions& options)
      : options(options),
        publisher(nullptr),
        oracle(static_cast<const ResidencyOracle*>(options.oracle)),
        tracker(tracker_options(&oracle)),
        monitor(tracker, monitor_options(options.sweep_interval_ms)) {}

  static TrackerOptions tracker_options(const ResidencyOracle* oracle) {
    TrackerOptions o;
    o.oracle = oracle;
    return o;
  }
  static HealthMonitorOptions monitor_options(unsigned interval_ms) {
    HealthMonitorOptions o;
    o.interval = std::chrono::milliseconds(interval_ms);
    return o;
  }

  // The member's changing fields, from the monitor and the tracker.
  void snapshot(MemberState& state) const {
    const HealthStatus status = monitor.status();
    state.healthy = status.healthy;
    state.enforcement_active = !inactive.load();
    state.violations_total = status.violations_total;
    state.violations.clear();
    for (const Violation& v : status.violations) {
      if (state.violations.size() >= MemberState::kMaxViolations) break;
      state.violations.push_back(member_violation(v));
    }
    state.tracked_bytes.clear();
    for (const AllocationInfo& a : tracker.snapshot()) state.tracked_bytes[a.device] += a.bytes;
    state.last_sweep_secs = status.last_check_secs;
  }

  // The group's view for the health server (reads every member's file).
  std::vector<MemberRecord> members() const {
    return publisher ? publisher->directory().read_all() : std::vector<MemberRecord>{};
  }

  const BridgeOptions options;
  // Declared before the monitor: destroyed after it, so that the monitor's
  // violation callback never reaches a destroyed publisher.
  std::unique_ptr<GroupPublisher> publisher;
  ArrayAwareOracle oracle;
  VramTracker tracker;
  HealthMonitor monitor;
  std::atomic<bool> inactive{false};
#if VRAM_ONLY_ATTACH_HEALTH_SERVER
  std::unique_ptr<HealthServer> server;
  std::unique_ptr<HealthServer> standby;  // waits for the group's port
#endif
  std::mutex server_mutex;
};

RuntimeBridge::RuntimeBridge(BridgeOptions options) : impl_(std::make_unique<Impl>(options)) {}

RuntimeBridge::~RuntimeBridge() { stop(); }

void RuntimeBridge::start_monitor() {
  impl_->monitor.start();
  if (impl_->options.group.empty() || impl_->publisher) return;
  std::string error;
  std::optional<GroupDirectory> directory =
      GroupDirectory::open(impl_->options.group_root, impl_->options.group, error);
  if (!directory) {
    log(LogLevel::Error, "cannot join the process group " + impl_->options.group + ": " + error +
                             "; /health shows this process alone");
    return;
  }
  Impl* impl = impl_.get();
  auto publisher = std::make_unique<GroupPublisher>(
      *directory, [impl](MemberState& state) { impl->snapshot(state); },
      std::chrono::milliseconds(impl_->options.publish_interval_ms));
  if (!publisher->join(error)) {
    log(LogLevel::Error, "cannot join the process group " + impl_->options.group + ": " + error);
    return;
  }
  GroupPublisher* p = publisher.get();
  impl_->monitor.on_violation([p](const Violation&) { p->publish_now(); });
  log(LogLevel::Info, "joined the process group " + impl_->options.group + " as member " +
                          std::to_string(publisher->index()) + " (" + directory->path() + ")");
  impl_->publisher = std::move(publisher);
}

int RuntimeBridge::start_health_server(const std::string& host, int port,
                                       std::function<std::string()> extra_metrics, std::string& error) {
#if VRAM_ONLY_ATTACH_HEALTH_SERVER
  std::lock_guard<std::mutex> lock(impl_->server_mutex);
  Impl* impl = impl_.get();
  HealthServerOptions options;
  options.address = host;
  options.port = port;
  options.detail = impl->options.health_detail;
  if (impl->publisher) {
    options.extra_metrics = [impl, extra_metrics] {
      return (extra_metrics ? extra_metrics() : std::string()) + group_metrics(impl->members());
    };
    options.health = [impl](bool full) {
      const std::vector<MemberRecord> records = impl->members();
      return HealthAnswer{group_healthy(records), group_health_json(impl->options.group, records, full)};
    };
  } else {
    options.extra_metrics = std::move(extra_metrics);
  }
  const std::string where = host + ":" + std::to_string(port);
  auto server = std::make_unique<HealthServer>(impl->monitor, options);
  HealthServerStart started;
  try {
    started = server->try_start();
  } catch (const std::exception& e) {
    error = e.what();
    return -1;
  }
  if (started) {
    const int bound = server->port();
    impl->server = std::move(server);
    if (impl->publisher) impl->publisher->set_serving(true);
    log(LogLevel::Info, "serving /health and /metrics on http://" + host + ":" + std::to_string(bound) + " (pid " +
                            std::to_string(getpid()) +
                            (impl->publisher ? ", for the process group " + impl->options.group : std::string()) +
                            ")");
    return bound;
  }
  if (started.error != std::errc::address_in_use || !impl->publisher || port == 0) {
    error = started.message;
    log(LogLevel::Error, "cannot serve /health on " + where + ": " + error);
    return -1;
  }
  // Another member of the group holds the port: take it over when it is gone.
  log(LogLevel::Info, where + " is held by another process (a member of the group " + impl->options.group +
                          " serves it): standing by to take it over");
  impl->standby = std::move(server);
  impl->publisher->stand_by([impl, host, port] {
    std::lock_guard<std::mutex> serving(impl->server_mutex);
    if (!impl->standby || !impl->standby->try_start()) return false;
    impl->server = std::move(impl->standby);
    impl->publisher->set_serving(true);
    log_to(impl->tracker.sink(), vram_only::LogLevel::Info,
           "took over /health and /metrics on http://" + host + ":" + std::to_string(port) + " (pid " +
               std::to_string(getpid()) + ", for the process group " + impl->options.group + ")");
    return true;
  });
  return 0;
#else
  (void)host;
  (void)port;
  (void)extra_metrics;
  error = "this libvram_only_attach.so was built without --health (its private cpp-httplib was not in "
          ".cache/cpp-httplib at build time: scripts/lib/common.sh, fetch_private_httplib)";
  log(LogLevel::Error, "cannot serve /health on " + host + ":" + std::to_string(port) + ": " + error);
  return -1;
#endif
}

void RuntimeBridge::stop() {
  if (impl_->publisher) {
    impl_->publisher->stop();  // no takeover from here on; the exit is published
  }
#if VRAM_ONLY_ATTACH_HEALTH_SERVER
  {
    std::lock_guard<std::mutex> lock(impl_->server_mutex);
    if (impl_->server) {
      impl_->server->stop();
    }
  }
#endif
  impl_->monitor.stop();
}

void RuntimeBridge::record_device(std::uint64_t pointer, std::size_t bytes, int device, const std::string& label,
                                  bool is_array) {
  if (is_array) {
    impl_->oracle.add(static_cast<std::uintptr_t>(pointer));
  }
  impl_->tracker.record_allocation(as_pointer(pointer), bytes, VramPurpose::Other, label, device);
}

DeviceRelease RuntimeBridge::release_device(std::uint64_t pointer) {
  DeviceRelease r;
  const std::optional<TrackedAllocation> hit = impl_->tracker.find(as_pointer(pointer));
  if (!hit || hit->base != as_pointer(pointer)) {
    return r;  // not a tracked base: nothing to release (not counted as misuse)
  }
  r.found = true;
  r.bytes = hit->bytes;
  r.device = hit->device;
  impl_->tracker.record_deallocation(as_pointer(pointer));
  impl_->oracle.remove(static_cast<std::uintptr_t>(pointer));
  return r;
}

DeviceRelease RuntimeBridge::release_all_on_device(int device, std::uint64_t* count) {
  DeviceRelease r;
  r.device = device;
  std::uint64_t n = 0;
  for (const AllocationInfo& a : impl_->tracker.snapshot()) {
    if (a.device != device) continue;
    if (impl_->tracker.record_deallocation(a.base)) {
      impl_->oracle.remove(reinterpret_cast<std::uintptr_t>(a.base));
      r.bytes += a.bytes;
      ++n;
    }
  }
  r.found = n > 0;
  if (count != nullptr) *count = n;
  return r;
}

void RuntimeBridge::report_violation(const ViolationRecord& record) {
  Violation v;
  v.kind = ViolationKind::NotResident;
  v.pointer = as_pointer(record.pointer);
  v.bytes = record.bytes;
  v.purpose = VramPurpose::Other;
  v.label = record.label;
  v.device = record.device;
  v.memory_type = record.managed ? MemoryType::Managed : MemoryType::Host;
  v.reason = record.reason;
  v.allocation_id = record.id;
  log_to(impl_->tracker.sink(), vram_only::LogLevel::Critical, to_string(v));
  vram_only::detail::publish_violation(impl_->tracker, v);
}

void RuntimeBridge::mark_unhealthy(const std::string& reason) {
  Violation v;
  v.kind = ViolationKind::QueryFailed;
  v.label = "vram-only-run";
  v.memory_type = MemoryType::Error;
  v.reason = reason;
  v.allocation_id = ~std::uint64_t{0};
  impl_->inactive = true;
  log_to(impl_->tracker.sink(), vram_only::LogLevel::Critical, "VRAM-only enforcement is not active: " + reason);
  vram_only::detail::publish_violation(impl_->tracker, v);
}

void RuntimeBridge::log(LogLevel level, const std::string& text) {
  log_to(impl_->tracker.sink(), runtime_level(level), text);
}

bool RuntimeBridge::healthy() const { return impl_->monitor.status().healthy; }
std::uint64_t RuntimeBridge::live_bytes() const { return impl_->tracker.total_usage(); }
std::uint64_t RuntimeBridge::live_allocations() const { return impl_->tracker.live_count(); }
std::uint64_t RuntimeBridge::peak_bytes() const { return impl_->tracker.peak_usage(); }
std::uint64_t RuntimeBridge::live_bytes_on_device(int device) const {
  return impl_->tracker.usage_on_device(device);
}

}  // namespace vram_only::attach
