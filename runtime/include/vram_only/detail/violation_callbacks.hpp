// A list of violation callbacks, each with an id for removal: the
// registry behind VramTracker::add_violation_listener and
// HealthMonitor::on_violation.
//
// Thread-safety: add(), remove() and call() may run on any threads at once.
// call() holds a shared lock while it runs the callbacks, so remove() waits
// for calls in flight and a removed callback is never called afterwards; a
// callback must therefore not add or remove callbacks of its own list. A
// callback that throws is logged through the given sink and skipped.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "vram_only/log_sink.hpp"
#include "vram_only/violation.hpp"

namespace vram_only::detail {

class ViolationCallbacks {
 public:
  using Callback = std::function<void(const Violation&)>;

  // Returns an id for remove().
  std::uint64_t add(Callback callback) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    const std::uint64_t id = ++next_id_;
    callbacks_.emplace_back(id, std::move(callback));
    return id;
  }

  // Unknown ids are ignored.
  void remove(std::uint64_t id) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    callbacks_.erase(std::remove_if(callbacks_.begin(), callbacks_.end(),
                                    [id](const auto& entry) { return entry.first == id; }),
                     callbacks_.end());
  }

  // Calls every callback with each violation of [first, last), all under one
  // shared lock. `when_thrown` is logged (at Error) for a callback that throws.
  void call(const Violation* first, const Violation* last, const LogSink& sink,
            std::string_view when_thrown) const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    for (; first != last; ++first) {
      for (const auto& entry : callbacks_) {
        try {
          entry.second(*first);
        } catch (...) {
          log_to(sink, LogLevel::Error, when_thrown);
        }
      }
    }
  }

 private:
  mutable std::shared_mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::vector<std::pair<std::uint64_t, Callback>> callbacks_;
};

}  // namespace vram_only::detail
