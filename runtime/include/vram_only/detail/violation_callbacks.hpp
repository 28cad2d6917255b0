// A list of violation callbacks, each with an id for removal: the
// registry behind VramTracker::add_violation_listener and
// HealthMonitor::on_violation.
//
// Thread-safety: add(), remove() and call() may run on any threads at once.
// call() runs the callbacks with no lock held, so a callback may do
// anything, including publishing another violation (re-entrant call()),
// adding callbacks, or removing callbacks (itself too). remove() waits for
// calls of that callback in flight on other threads, so a removed callback
// is never called once remove() has returned (calls in flight on the
// removing thread itself are not waited for: that would never end). A
// callback that throws is logged through the given sink and skipped.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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
    auto entry = std::make_shared<Entry>();
    entry->callback = std::move(callback);
    std::lock_guard<std::mutex> lock(mutex_);
    entry->id = ++next_id_;
    entries_.push_back(entry);
    return entry->id;
  }

  // Unknown ids are ignored.
  void remove(std::uint64_t id) {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [id](const auto& e) { return e->id == id; });
    if (it == entries_.end()) {
      return;
    }
    const std::shared_ptr<Entry> entry = *it;
    entries_.erase(it);
    entry->removed = true;
    const auto own = static_cast<int>(
        std::count(calling_here().begin(), calling_here().end(), entry.get()));
    done_.wait(lock, [&] { return entry->in_flight <= own; });
  }

  // Calls every callback with each violation of [first, last), with no lock
  // held. `when_thrown` is logged (at Error) for a callback that throws.
  void call(const Violation* first, const Violation* last, const LogSink& sink,
            std::string_view when_thrown) const {
    std::vector<std::shared_ptr<Entry>> snapshot;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      snapshot = entries_;
      for (const auto& e : snapshot) {
        ++e->in_flight;
      }
    }
    std::vector<const Entry*>& here = calling_here();
    for (const auto& e : snapshot) {
      here.push_back(e.get());
    }
    for (; first != last; ++first) {
      for (const auto& e : snapshot) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (e->removed) {
            continue;
          }
        }
        try {
          e->callback(*first);
        } catch (...) {
          log_to(sink, LogLevel::Error, when_thrown);
        }
      }
    }
    for (const auto& e : snapshot) {
      here.erase(std::find(here.begin(), here.end(), e.get()));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& e : snapshot) {
        --e->in_flight;
      }
    }
    done_.notify_all();
  }

 private:
  struct Entry {
    std::uint64_t id = 0;
    Callback callback;
    int in_flight = 0;     // calls holding it (guarded by mutex_)
    bool removed = false;  // guarded by mutex_
  };

  // The entries whose calls are in flight on this thread (re-entrancy).
  static std::vector<const Entry*>& calling_here() {
    thread_local std::vector<const Entry*> entries;
    return entries;
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable done_;
  std::uint64_t next_id_ = 0;
  std::vector<std::shared_ptr<Entry>> entries_;
};

}  // namespace vram_only::detail
