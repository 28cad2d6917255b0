// Test doubles for the runtime's seams: an oracle with injected answers and
// a sink that captures log lines.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <vram_only/vram_only.hpp>

namespace vram_only::testing {

inline const void* ptr(std::uintptr_t address) { return reinterpret_cast<const void*>(address); }
inline void* mut_ptr(std::uintptr_t address) { return reinterpret_cast<void*>(address); }

// Answers from a table of address ranges; anything else gets the default
// verdict (Unregistered unless changed). Thread-safe; counts queries.
class FakeOracle final : public ResidencyOracle {
 public:
  ResidencyVerdict query(const void* p) const noexcept override {
    queries_.fetch_add(1, std::memory_order_relaxed);
    Hook hook;
    ResidencyVerdict answer;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      hook = hook_;
      answer = default_;
      const auto a = reinterpret_cast<std::uintptr_t>(p);
      auto it = ranges_.upper_bound(a);
      if (it != ranges_.begin()) {
        --it;
        if (a - it->first < it->second.first) {
          answer = it->second.second;
        }
      }
    }
    if (hook) {
      hook(p);
    }
    return answer;
  }

  void set(std::uintptr_t base, std::size_t bytes, MemoryType type, int device = 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    ranges_[base] = {bytes, verdict(type, device)};
  }

  void set_default(MemoryType type) {
    std::lock_guard<std::mutex> lock(mutex_);
    default_ = verdict(type, type == MemoryType::Unregistered ? -1 : 0);
  }

  // Every query fails with this CUDA error (fail-closed tests).
  void fail_all(int cuda_error, const char* name) {
    std::lock_guard<std::mutex> lock(mutex_);
    ranges_.clear();
    default_ = classify_pointer_attributes(cuda_error, 0, 0, -1, name);
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    ranges_.clear();
    default_ = verdict(MemoryType::Unregistered, -1);
  }

  using Hook = std::function<void(const void*)>;
  // Called (outside the oracle's lock) on every query, after the answer is chosen.
  void on_query(Hook hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    hook_ = std::move(hook);
  }

  std::size_t queries() const { return queries_.load(std::memory_order_relaxed); }
  void reset_queries() { queries_.store(0, std::memory_order_relaxed); }

  // The verdict the real driver mapping gives for each memory type.
  static ResidencyVerdict verdict(MemoryType type, int device) {
    switch (type) {
      case MemoryType::Device:
        return classify_pointer_attributes(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 0, device, "");
      case MemoryType::Managed:
        return classify_pointer_attributes(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 1, device, "");
      case MemoryType::Host:
        return classify_pointer_attributes(CUDA_SUCCESS, CU_MEMORYTYPE_HOST, 0, device, "");
      case MemoryType::Unregistered:
        return classify_pointer_attributes(CUDA_SUCCESS, 0, 0, -1, "");
      case MemoryType::Error:
        return classify_pointer_attributes(CUDA_ERROR_INVALID_VALUE, 0, 0, -1,
                                           "CUDA_ERROR_INVALID_VALUE");
    }
    return ResidencyVerdict{};
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::uintptr_t, std::pair<std::size_t, ResidencyVerdict>> ranges_;
  ResidencyVerdict default_ = verdict(MemoryType::Unregistered, -1);
  Hook hook_;
  mutable std::atomic<std::size_t> queries_{0};
};

// Makes every query of a FakeOracle wait inside the "driver" until
// release(), so that a test can act while a sweep is stuck in a driver call.
// Join the sweeping thread after release(); the destructor releases and
// removes the hook.
class StuckQueries {
 public:
  explicit StuckQueries(FakeOracle& oracle) : oracle_(oracle) {
    oracle_.on_query([this](const void*) {
      std::unique_lock<std::mutex> lock(mutex_);
      stuck_ = true;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
    });
  }
  StuckQueries(const StuckQueries&) = delete;
  StuckQueries& operator=(const StuckQueries&) = delete;
  ~StuckQueries() {
    release();
    oracle_.on_query(nullptr);
  }

  // True once a query is stuck; false if none came within 5 s.
  bool wait_until_stuck() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [this] { return stuck_; });
  }

  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  FakeOracle& oracle_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stuck_ = false;
  bool released_ = false;
};

// Collects log lines; thread-safe.
class CapturingSink {
 public:
  LogSink sink() {
    return [this](LogLevel level, std::string_view message) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.emplace_back(level, std::string(message));
    };
  }

  std::vector<std::pair<LogLevel, std::string>> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

  std::vector<std::string> messages(LogLevel level) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& line : lines_) {
      if (line.first == level) {
        out.push_back(line.second);
      }
    }
    return out;
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

// A tracker wired to a fake oracle and a capturing sink.
struct TrackerFixture {
  FakeOracle oracle;
  CapturingSink log;
  VramTracker tracker{make_options()};

  TrackerOptions make_options() {
    TrackerOptions options;
    options.oracle = &oracle;
    options.sink = log.sink();
    return options;
  }
};

}  // namespace vram_only::testing
