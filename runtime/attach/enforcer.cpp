#include "enforcer.hpp"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>

namespace vram_only::attach {
namespace {

bool is_array_api(const char* api) {
  const std::string_view a(api);
  return a.find("Array") != std::string_view::npos;
}

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%" PRIx64, value);
  return text;
}

thread_local std::vector<AllocationEvent> t_events;

}  // namespace

Enforcer::Enforcer(RuntimeBridge& bridge, OnViolation mode, Policy policy, CallSites call_sites, Hooks hooks)
    : bridge_(bridge),
      mode_(mode),
      call_sites_(call_sites),
      hooks_(hooks),
      decoder_(hooks.current_device, hooks.is_managed, hooks.context_device, hooks.variable_size),
      ledger_(std::move(policy)) {
  stats_.rules = ledger_.policy().rules;
  stats_.policy_source = ledger_.policy().source;
}

void Enforcer::on_callback(CallbackRecord record) {
  record.intents = wants_intents();
  std::vector<AllocationEvent>& events = t_events;
  events.clear();
  decoder_.decode(record, events);
  for (const AllocationEvent& e : events) {
    handle(e, !record.exit);
  }
}

CallSite Enforcer::site_for(bool violation_path) const {
  if (hooks_.find_call_site == nullptr || call_sites_ == CallSites::Off ||
      (call_sites_ == CallSites::Violations && !violation_path)) {
    return {};
  }
  return hooks_.find_call_site();
}

void Enforcer::handle(const AllocationEvent& event, bool enter) {
  if (event.type == EventType::ReleaseDevice) {
    std::uint64_t count = 0;
    const DeviceRelease released = bridge_.release_all_on_device(event.device, &count);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.device_frees += count;
    DeviceTotals& dev = stats_.by_device[event.device];
    dev.live_bytes -= released.bytes > dev.live_bytes ? dev.live_bytes : released.bytes;
  } else if (event.type == EventType::Free) {
    on_free(event);
  } else if (event.is_vram()) {
    if (!enter) on_device_allocation(event);
  } else {
    on_non_vram(event, enter);
  }
}

void Enforcer::on_device_allocation(const AllocationEvent& e) {
  if (e.pointer == 0 || e.bytes == 0) return;
  const CallSite site = site_for(false);
  std::string label = e.api;
  if (site.known()) label += " from " + site.describe();
  bridge_.record_device(e.pointer, e.bytes, e.device, label, is_array_api(e.api));
  std::lock_guard<std::mutex> lock(mutex_);
  ApiTotals& api = stats_.by_api[e.api];
  ++api.calls;
  api.bytes += e.bytes;
  DeviceTotals& dev = stats_.by_device[e.device];
  ++dev.allocations;
  dev.bytes += e.bytes;
  dev.live_bytes += e.bytes;
  if (dev.live_bytes > dev.peak_bytes) dev.peak_bytes = dev.live_bytes;
}

void Enforcer::on_free(const AllocationEvent& e) {
  if (live_non_vram_count_.load(std::memory_order_relaxed) != 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = live_non_vram_.find(LiveKey{e.vmm_handle, e.pointer});
    if (it != live_non_vram_.end()) {
      KindTotals& totals = stats_.by_kind[static_cast<std::size_t>(it->second.kind)];
      totals.live_bytes -= it->second.bytes > totals.live_bytes ? totals.live_bytes : it->second.bytes;
      ledger_.release(it->second.rule, it->second.bytes);
      mapped_reported_.erase(e.pointer);
      live_non_vram_.erase(it);
      live_non_vram_count_.store(live_non_vram_.size(), std::memory_order_relaxed);
      return;
    }
  }
  if (e.vmm_handle) return;
  const DeviceRelease released = bridge_.release_device(e.pointer);
  if (!released.found) return;
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.device_frees;
  DeviceTotals& dev = stats_.by_device[released.device];
  dev.live_bytes -= released.bytes > dev.live_bytes ? dev.live_bytes : released.bytes;
}

void Enforcer::on_non_vram(const AllocationEvent& event, bool intent) {
  if (intent && mode_ != OnViolation::Abort) return;
  AllocationEvent e = event;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto live = live_non_vram_.find(LiveKey{e.vmm_handle, e.pointer});
    if (e.type == EventType::Allocate && !intent && live != live_non_vram_.end() && live->second.kind == e.kind) {
      return;  // the same memory handed out again (a __managed__ variable asked twice)
    }
    if (e.type == EventType::Use && e.kind == MemoryKind::Mapped) {
      // Zero-copy access to host memory: its size is the host allocation's;
      // memory allocated with DEVICEMAP was reported with that flag already.
      const auto host = live_non_vram_.find(LiveKey{false, e.pointer});
      if (host != live_non_vram_.end()) {
        if (host->second.device_mapped) return;
        e.bytes = host->second.bytes;
      }
      if (!intent && mapped_reported_.count(e.pointer) != 0) return;
    }
  }
  const CallSite site = site_for(true);
  std::unique_lock<std::mutex> lock(mutex_);
  const Decision decision = ledger_.decide(e, site.library);
  if (intent) {
    // Abort mode, API_ENTER: nothing is allocated yet. Allowed calls go on
    // (and are recorded at their exit); a violation stops the process here.
    if (decision.allowed) return;
    EventRecord record{e, site, decision.reason + " (stopped before the call: --on-violation=abort)", 0, true};
    ++stats_.violations_total;
    ++stats_.by_kind[static_cast<std::size_t>(e.kind)].violations;
    stats_.by_kind[static_cast<std::size_t>(e.kind)].bytes += e.bytes;
    if (stats_.violations.size() < kMaxListed) stats_.violations.push_back(record);
    ViolationRecord v{0, e.bytes, e.device,
                      e.kind == MemoryKind::Managed || e.kind == MemoryKind::Migration,
                      std::string(e.api) + (e.detail.empty() ? "" : " " + e.detail) +
                          (site.known() ? " from " + site.describe() : ""),
                      record.reason, next_violation_id_++};
    lock.unlock();
    bridge_.report_violation(v);
    bridge_.log(LogLevel::Critical, std::string("stopping the process at ") + e.api +
                                        " (--on-violation=abort), exit status " +
                                        std::to_string(kExitViolationAbort));
    stop_process();
    return;
  }
  KindTotals& totals = stats_.by_kind[static_cast<std::size_t>(e.kind)];
  totals.bytes += e.bytes;
  if (e.type == EventType::Allocate) {
    live_non_vram_[LiveKey{e.vmm_handle, e.pointer}] = Live{e.kind, e.bytes, decision.allowed ? decision.rule : -1, e.device_mapped};
    live_non_vram_count_.store(live_non_vram_.size(), std::memory_order_relaxed);
    totals.live_bytes += e.bytes;
    if (totals.live_bytes > totals.peak_bytes) totals.peak_bytes = totals.live_bytes;
  } else if (e.kind == MemoryKind::Mapped) {
    mapped_reported_[e.pointer] = true;
  }
  if (decision.allowed) {
    if (e.type == EventType::Allocate) ledger_.commit(decision.rule, e.bytes);
    ++totals.allowed;
    const std::uint64_t n = ++stats_.allowed_total;
    const int line = ledger_.policy().rules[static_cast<std::size_t>(decision.rule)].line;
    if (stats_.allowed.size() < kMaxListed) {
      stats_.allowed.push_back(EventRecord{e, site, decision.reason, line, false});
    }
    lock.unlock();
    if (n <= kMaxAllowedLogged) {
      bridge_.log(LogLevel::Warning, "allowed non-VRAM memory: " + decision.reason + " pointer=" + hex(e.pointer) +
                                         " from " + site.describe() +
                                         (n == kMaxAllowedLogged ? " (further allowed allocations are counted, not logged)" : ""));
    }
    return;
  }
  ++totals.violations;
  ++stats_.violations_total;
  if (stats_.violations.size() < kMaxListed) {
    stats_.violations.push_back(EventRecord{e, site, decision.reason, 0, false});
  }
  ViolationRecord v{e.pointer, e.bytes, e.device, e.kind == MemoryKind::Managed || e.kind == MemoryKind::Migration,
                    std::string(e.api) + (e.detail.empty() ? "" : " " + e.detail) +
                        (site.known() ? " from " + site.describe() : ""),
                    decision.reason + "; call site: " + site.describe(), next_violation_id_++};
  lock.unlock();
  bridge_.report_violation(v);
  if (mode_ == OnViolation::Abort) {
    // Known only at exit (a __managed__ variable's address): the program has
    // not received the pointer yet.
    bridge_.log(LogLevel::Critical, std::string("stopping the process at ") + e.api +
                                        " (--on-violation=abort), exit status " +
                                        std::to_string(kExitViolationAbort));
    stop_process();
  }
}

void Enforcer::stop_process() {
  if (hooks_.stop != nullptr) {
    hooks_.stop(hooks_.stop_context, kExitViolationAbort);
    return;
  }
  std::fflush(stderr);
  _exit(kExitViolationAbort);
}

EnforcerStats Enforcer::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  EnforcerStats s = stats_;
  s.rule_usage.clear();
  for (std::size_t i = 0; i < s.rules.size(); ++i) {
    s.rule_usage.push_back(ledger_.usage(i));
  }
  return s;
}

}  // namespace vram_only::attach
