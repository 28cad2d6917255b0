// Where the runtime's log lines go. A sink is any callable taking a level
// and one line of text (no trailing newline); workers route it to their own
// logger. The default sink writes "[vram-only] LEVEL: text" to stderr.
//
// Thread-safety: sinks are called from any thread (the thread that misused
// the tracker, the monitor's sweep thread, a thread whose tensor check
// failed), possibly concurrently; a sink must be thread-safe. The stderr
// sink writes each line with a single fwrite, which stdio locks.
#pragma once

#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace vram_only {

enum class LogLevel { Debug, Info, Warning, Error, Critical };

constexpr std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug:
      return "DEBUG";
    case LogLevel::Info:
      return "INFO";
    case LogLevel::Warning:
      return "WARNING";
    case LogLevel::Error:
      return "ERROR";
    case LogLevel::Critical:
      return "CRITICAL";
  }
  return "ERROR";
}

using LogSink = std::function<void(LogLevel, std::string_view)>;

inline void stderr_log_sink(LogLevel level, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 24);
  line += "[vram-only] ";
  line += to_string(level);
  line += ": ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

namespace detail {
struct DefaultSinkState {
  std::mutex mutex;
  LogSink sink = stderr_log_sink;
};
inline DefaultSinkState& default_sink_state() {
  static DefaultSinkState* const state = new DefaultSinkState();  // never destroyed
  return *state;
}
}  // namespace detail

// Replaces the process-wide default sink (used by every component whose
// options leave the sink empty). An empty function restores stderr.
inline void set_default_log_sink(LogSink sink) {
  auto& state = detail::default_sink_state();
  std::lock_guard<std::mutex> lock(state.mutex);
  state.sink = sink ? std::move(sink) : LogSink(stderr_log_sink);
}

inline LogSink default_log_sink() {
  auto& state = detail::default_sink_state();
  std::lock_guard<std::mutex> lock(state.mutex);
  return state.sink;
}

// Writes through `sink`, or through the default sink when `sink` is empty.
// Exceptions thrown by a sink are swallowed: logging never breaks a check.
inline void log_to(const LogSink& sink, LogLevel level, std::string_view message) noexcept {
  try {
    if (sink) {
      sink(level, message);
    } else {
      default_log_sink()(level, message);
    }
  } catch (...) {
  }
}

}  // namespace vram_only
