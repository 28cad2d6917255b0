// The report (--report FILE, JSON, written at exit or when abort mode stops
// the process) and the injection's lines in /metrics. Pure renderers over
// EnforcerStats; the format is documented in docs/vram-only-run.md.
#pragma once

#include <string>

#include "enforcer.hpp"

namespace vram_only::attach {

struct ReportContext {
  long pid = 0;
  std::string program;         // argv[0] of the process
  std::string backend;         // "interpose" or "cupti"
  OnViolation on_violation = OnViolation::Report;
  bool injection_active = false;
  std::string injection_error;  // why not active
  bool healthy = false;
  std::uint64_t live_bytes = 0;        // tracked device bytes now
  std::uint64_t live_allocations = 0;  // tracked device allocations now
  std::uint64_t peak_bytes = 0;        // tracker's peak
  bool stopped = false;                // abort mode stopped the process
};

// The report as one JSON document (pretty-printed, 2 spaces).
std::string render_report(const EnforcerStats& stats, const ReportContext& context);

// Prometheus text: vram_only_attach_* metrics.
std::string render_metrics(const EnforcerStats& stats, bool injection_active);

// Writes `text` to `path` atomically (path.tmp + rename). False on error.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace vram_only::attach
