// HealthMonitor: sweeps every tracked allocation at an interval and keeps
// the worker's health: healthy until the first violation, then unhealthy
// until reset() (sticky), so an orchestrator's readiness probe stops routing
// to a worker whose memory is no longer VRAM-only.
//
//   vram_only::HealthMonitor monitor(vram_only::default_tracker(),
//                                    {std::chrono::seconds(60)});
//   monitor.on_violation([](const vram_only::Violation& v) { ... });
//   monitor.start();           // first check now, then every interval
//   ...
//   if (!monitor.is_healthy()) { ... }
//   monitor.stop();            // returns within 100 ms, even mid-interval
//
// On each new violation (an allocation that is Managed, Host, Unregistered
// -- dangling --, or whose residency cannot be determined: fail closed) the
// monitor logs one critical line "VRAM residency violated: pointer=...
// bytes=... purpose=... label=... memory_type=... ..." through the sink,
// marks itself unhealthy and calls the registered callbacks. A violation that
// persists is reported once (until reset()).
//
// Violations found by tensor checks under
// ViolationAction::ReportAndMarkUnhealthy reach the monitor through the
// tracker's violation listeners and turn it unhealthy too.
//
// Before the first completed check the monitor is not healthy (nothing has
// been verified yet); start() runs the first check before returning.
//
// Bounded memory: the monitor remembers at most max_remembered_violations
// distinct violations (to report each once) and lists at most
// max_listed_violations of them in status(). Violations found while the
// set is full are counted (violations_dropped, each time found) and
// summarised in one log line per sweep, not reported one by one; those
// not listed are counted too (violations_unlisted).
//
// Lifetime (what must outlive what): the tracker (and options.oracle) must
// outlive the monitor. The monitor registers a violation listener that
// refers to itself in the tracker; ~HealthMonitor removes it, waiting for a
// call in flight, so the tracker never calls a destroyed monitor. Objects
// that call the monitor from their own threads register a destroy hook
// (HealthServer does): ~HealthMonitor runs the hooks first, so a server
// still running when its monitor is destroyed is stopped, not left reading
// freed memory. Destroying the monitor concurrently with calls to it is not
// supported.
//
// Thread-safety: all member functions are thread-safe. status() and
// is_healthy() never wait for a running sweep. Callbacks run on the thread
// that found the violation (the monitor's thread, a check_now() caller, or
// a thread whose tensor check failed); they must not call stop(), reset()
// or remove callbacks.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "vram_only/allocation.hpp"
#include "vram_only/detail/violation_callbacks.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/residency_oracle.hpp"
#include "vram_only/residency_report.hpp"
#include "vram_only/violation.hpp"
#include "vram_only/vram_purpose.hpp"
#include "vram_only/vram_tracker.hpp"

namespace vram_only {

struct HealthMonitorOptions {
  // Time between two sweeps of the background thread (default 60 s;
  // milliseconds work, for tests).
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  // Log sink; empty = the tracker's sink (itself defaulting to stderr).
  LogSink sink;
  // Residency answers; null = the tracker's oracle (the CUDA driver).
  const ResidencyOracle* oracle = nullptr;
  // At most this many violations are kept for status() (the rest are counted).
  std::size_t max_listed_violations = 64;
  // At most this many distinct violations are remembered to report each one
  // once; past that, violations are counted but not reported one by one.
  std::size_t max_remembered_violations = 4096;
  // At most this many critical lines per sweep; the rest are summarised.
  std::size_t max_logged_per_sweep = 16;
};

struct HealthStatus {
  bool healthy = false;   // checked, and no violation since start / the last reset()
  bool checked = false;   // at least one check has completed
  bool resident = false;  // the last check (or a later tensor check) found nothing wrong
  std::uint64_t vram_bytes_used = 0;  // tracked bytes, now
  std::int64_t last_check_secs = 0;   // Unix time of the last completed check; 0 = none
  double last_sweep_seconds = 0;      // how long that check took
  std::uint64_t checks = 0;           // completed checks
  std::uint64_t violations_total = 0;  // distinct violations reported, ever (monotonic)
  std::uint64_t violations_unlisted = 0;  // reported since the last reset, not in `violations`
  std::uint64_t violations_dropped = 0;   // found while the remembered set was full (monotonic)
  std::uint64_t live_allocations = 0;
  std::uint64_t peak_bytes = 0;
  std::array<std::uint64_t, kVramPurposeCount> bytes_by_purpose{};
  MisuseCounts misuse;
  std::vector<Violation> violations;  // since the last reset(), oldest first

  const char* status_text() const noexcept { return healthy ? "healthy" : "unhealthy"; }
};

class HealthMonitor {
 public:
  using Callback = detail::ViolationCallbacks::Callback;

  explicit HealthMonitor(VramTracker& tracker, HealthMonitorOptions options = {})
      : tracker_(tracker), options_(std::move(options)) {
    if (!options_.sink) {
      options_.sink = tracker_.sink();
    }
    listener_id_ = tracker_.add_violation_listener(
        [this](const Violation& violation) { record_external(violation); });
  }

  // Runs the destroy hooks (stopping servers that still serve this
  // monitor), removes the tracker listener (waiting for a call in flight)
  // and stops the background thread.
  ~HealthMonitor() {
    std::vector<std::pair<std::uint64_t, std::function<void()>>> hooks;
    {
      std::lock_guard<std::mutex> lock(hooks_mutex_);
      hooks.swap(destroy_hooks_);
    }
    for (auto& hook : hooks) {
      hook.second();
    }
    tracker_.remove_violation_listener(listener_id_);
    stop();
  }

  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Runs the first check on the calling thread, then starts the background
  // thread. Does nothing when already running.
  void start() {
    std::lock_guard<std::mutex> control(control_mutex_);
    if (thread_.joinable()) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      stop_.store(false, std::memory_order_relaxed);
    }
    sweep_once(nullptr);
    thread_ = std::thread([this] { run(); });
  }

  // Stops the background thread: wakes it mid-interval and interrupts a
  // running sweep (whose partial result is discarded).
  void stop() {
    std::lock_guard<std::mutex> control(control_mutex_);
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      stop_.store(true, std::memory_order_relaxed);
    }
    wake_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  bool running() const {
    std::lock_guard<std::mutex> control(control_mutex_);
    return thread_.joinable();
  }

  // A full check on the calling thread (waits for a sweep in progress).
  HealthStatus check_now() {
    sweep_once(nullptr);
    return status();
  }

  bool is_healthy() const noexcept { return healthy_.load(std::memory_order_acquire); }

  HealthStatus status() const {
    HealthStatus s;
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      s.checked = checked_;
      s.healthy = checked_ && !tripped_;
      s.resident = checked_ && resident_;
      s.last_check_secs = last_check_secs_;
      s.last_sweep_seconds = last_sweep_seconds_;
      s.checks = checks_;
      s.violations_total = violations_total_;
      s.violations_unlisted = violations_unlisted_;
      s.violations_dropped = violations_dropped_;
      s.violations = violations_;
    }
    s.vram_bytes_used = tracker_.total_usage();
    s.live_allocations = tracker_.live_count();
    s.peak_bytes = tracker_.peak_usage();
    for (std::size_t i = 0; i < kVramPurposeCount; ++i) {
      s.bytes_by_purpose[i] = tracker_.usage(static_cast<VramPurpose>(i));
    }
    s.misuse = tracker_.misuse();
    return s;
  }

  // Healthy again (if a check has completed) until the next violation; the
  // violation list is cleared and persisting violations are reported anew
  // by the next sweep.
  void reset() {
    std::lock_guard<std::mutex> lock(state_mutex_);
    tripped_ = false;
    resident_ = true;
    violations_.clear();
    violations_unlisted_ = 0;
    seen_.clear();
    healthy_.store(checked_, std::memory_order_release);
  }

  // Called once per new violation. Returns an id for remove_callback().
  std::uint64_t on_violation(Callback callback) { return callbacks_.add(std::move(callback)); }

  void remove_callback(std::uint64_t id) { callbacks_.remove(id); }

  // For objects that call this monitor from their own threads (HealthServer):
  // `before_destroy` runs at the start of ~HealthMonitor, on the destroying
  // thread, and must make them stop calling the monitor (it may call the
  // monitor itself, not add or remove hooks). After it ran they must not
  // touch the monitor, not even to remove the hook. Returns an id for
  // remove_destroy_hook().
  std::uint64_t add_destroy_hook(std::function<void()> before_destroy) {
    std::lock_guard<std::mutex> lock(hooks_mutex_);
    destroy_hooks_.emplace_back(++next_hook_id_, std::move(before_destroy));
    return next_hook_id_;
  }

  // Unknown ids are ignored.
  void remove_destroy_hook(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(hooks_mutex_);
    destroy_hooks_.erase(std::remove_if(destroy_hooks_.begin(), destroy_hooks_.end(),
                                        [id](const auto& hook) { return hook.first == id; }),
                         destroy_hooks_.end());
  }

  const HealthMonitorOptions& options() const noexcept { return options_; }
  VramTracker& tracker() const noexcept { return tracker_; }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(wake_mutex_);
    for (;;) {
      if (wake_.wait_for(lock, options_.interval,
                         [this] { return stop_.load(std::memory_order_relaxed); })) {
        return;
      }
      lock.unlock();
      sweep_once(&stop_);
      lock.lock();
    }
  }

  void sweep_once(const std::atomic<bool>* stop) {
    std::lock_guard<std::mutex> sweeping(sweep_mutex_);
    const ResidencyOracle& oracle =
        options_.oracle != nullptr ? *options_.oracle : tracker_.oracle();
    const ResidencyReport report = detail::sweep(tracker_, oracle, stop);
    if (!report.complete) {
      return;
    }
    std::vector<Violation> fresh;
    std::uint64_t dropped = 0;
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      checked_ = true;
      resident_ = report.resident();
      last_check_secs_ = static_cast<std::int64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
      last_sweep_seconds_ = std::chrono::duration<double>(report.duration).count();
      ++checks_;
      for (const Violation& v : report.violations) {
        switch (remember_locked(v)) {
          case Remembered::New:
            fresh.push_back(v);
            break;
          case Remembered::Dropped:
            ++dropped;
            break;
          case Remembered::Known:
            break;
        }
      }
      healthy_.store(!tripped_, std::memory_order_release);
    }
    std::size_t logged = 0;
    for (const Violation& v : fresh) {
      if (logged++ < options_.max_logged_per_sweep) {
        log_to(options_.sink, LogLevel::Critical, to_string(v));
      }
    }
    if (fresh.size() > options_.max_logged_per_sweep) {
      log_to(options_.sink, LogLevel::Critical,
             "VRAM residency violated: " +
                 std::to_string(fresh.size() - options_.max_logged_per_sweep) +
                 " more violating allocations not listed");
    }
    if (dropped > 0) {
      log_to(options_.sink, LogLevel::Critical,
             "VRAM residency violated: " + std::to_string(dropped) +
                 " violations found beyond the " +
                 std::to_string(options_.max_remembered_violations) +
                 " the monitor remembers; counted, not reported one by one");
    }
    notify(fresh);
  }

  // A violation found by a tensor check (already logged there).
  void record_external(const Violation& v) {
    bool is_new = false;
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      is_new = remember_locked(v) == Remembered::New;
      resident_ = false;
      healthy_.store(false, std::memory_order_release);
    }
    if (is_new) {
      notify({v});
    }
  }

  enum class Remembered { New, Known, Dropped };

  // Trips the monitor and remembers the violation, if there is room.
  Remembered remember_locked(const Violation& v) {
    tripped_ = true;
    const Key key{v.allocation_id, reinterpret_cast<std::uintptr_t>(v.pointer),
                  static_cast<int>(v.kind)};
    if (seen_.count(key) != 0) {
      return Remembered::Known;
    }
    if (seen_.size() >= options_.max_remembered_violations) {
      ++violations_dropped_;
      return Remembered::Dropped;
    }
    seen_.insert(key);
    ++violations_total_;
    if (violations_.size() < options_.max_listed_violations) {
      violations_.push_back(v);
    } else {
      ++violations_unlisted_;
    }
    return Remembered::New;
  }

  void notify(const std::vector<Violation>& fresh) {
    if (fresh.empty()) {
      return;
    }
    callbacks_.call(fresh.data(), fresh.data() + fresh.size(), options_.sink,
                    "a HealthMonitor violation callback threw; ignored");
  }

  struct Key {
    std::uint64_t allocation_id;
    std::uintptr_t pointer;
    int kind;
    bool operator<(const Key& o) const noexcept {
      if (allocation_id != o.allocation_id) return allocation_id < o.allocation_id;
      if (pointer != o.pointer) return pointer < o.pointer;
      return kind < o.kind;
    }
  };

  VramTracker& tracker_;
  HealthMonitorOptions options_;
  std::uint64_t listener_id_ = 0;

  mutable std::mutex control_mutex_;  // start / stop
  std::thread thread_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::mutex sweep_mutex_;  // one sweep at a time

  mutable std::mutex state_mutex_;  // never held across a sweep
  bool checked_ = false;
  bool tripped_ = false;
  bool resident_ = false;
  std::int64_t last_check_secs_ = 0;
  double last_sweep_seconds_ = 0;
  std::uint64_t checks_ = 0;
  std::uint64_t violations_total_ = 0;
  std::uint64_t violations_unlisted_ = 0;
  std::uint64_t violations_dropped_ = 0;
  std::vector<Violation> violations_;
  std::set<Key> seen_;
  std::atomic<bool> healthy_{false};

  detail::ViolationCallbacks callbacks_;

  std::mutex hooks_mutex_;
  std::uint64_t next_hook_id_ = 0;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> destroy_hooks_;
};

}  // namespace vram_only
