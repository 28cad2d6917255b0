// Enforcer: what happens to each decoded event. Device memory is recorded
// in (and released from) the runtime's tracker; every other kind goes to the
// policy: allowed (counted against its rule, logged, in the report and
// /metrics) or a violation (the CRITICAL line, /health 503, the report; in
// abort mode the process stops at the call's API_ENTER, before the memory
// exists, with exit status kExitViolationAbort).
//
// CUPTI-free and GPU-free: cupti_subscription.cpp feeds it the callback
// records; the tests feed it the same records and a fake oracle.
//
// Thread-safety: on_callback() may run on any thread. Device allocations take
// one short lock (per-API counters) besides the tracker's own; non-VRAM
// events take the enforcer's lock (rare).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "allocation_event.hpp"
#include "attach_options.hpp"
#include "call_site.hpp"
#include "callback_decoder.hpp"
#include "policy.hpp"
#include "runtime_bridge.hpp"

namespace vram_only::attach {

// One non-VRAM event as the report lists it.
struct EventRecord {
  AllocationEvent event;
  CallSite site;
  std::string reason;
  int rule_line = 0;    // the allowing rule's line (allowed events)
  bool stopped = false; // abort mode stopped the process here
};

struct KindTotals {
  std::uint64_t allowed = 0;      // events allowed by a rule
  std::uint64_t violations = 0;   // events that were violations
  std::uint64_t bytes = 0;        // bytes of all of them
  std::uint64_t live_bytes = 0;   // allocations not freed yet
  std::uint64_t peak_bytes = 0;
};

struct DeviceTotals {
  std::uint64_t allocations = 0;
  std::uint64_t bytes = 0;
  std::uint64_t live_bytes = 0;
  std::uint64_t peak_bytes = 0;
};

struct ApiTotals {
  std::uint64_t calls = 0;
  std::uint64_t bytes = 0;
};

// Everything the report and /metrics show, copied under the lock.
struct EnforcerStats {
  // Device allocations by API; the names are static text (AllocationEvent::api).
  std::map<std::string_view, ApiTotals> by_api;
  std::map<int, DeviceTotals> by_device;
  std::uint64_t device_frees = 0;
  KindTotals by_kind[kMemoryKindCount];
  std::vector<EventRecord> violations;  // the first kMaxListed
  std::vector<EventRecord> allowed;     // the first kMaxListed
  std::uint64_t violations_total = 0;
  std::uint64_t allowed_total = 0;
  std::vector<PolicyRule> rules;
  std::vector<PolicyLedger::Usage> rule_usage;
  std::string policy_source;
};

class Enforcer {
 public:
  static constexpr std::size_t kMaxListed = 1000;
  static constexpr std::size_t kMaxAllowedLogged = 32;

  using FindCallSite = CallSite (*)();
  // Ends the process (abort mode). The default writes nothing and _exit()s;
  // the library's hook writes the report first, tests record the call.
  using Stop = void (*)(void* context, int status);

  struct Hooks {
    CallbackDecoder::CurrentDevice current_device = nullptr;
    CallbackDecoder::IsManaged is_managed = nullptr;
    CallbackDecoder::ContextDevice context_device = nullptr;
    CallbackDecoder::VariableSize variable_size = nullptr;
    FindCallSite find_call_site = nullptr;  // null: no call sites
    Stop stop = nullptr;
    void* stop_context = nullptr;
  };

  Enforcer(RuntimeBridge& bridge, OnViolation mode, Policy policy, CallSites call_sites, Hooks hooks);

  // One CUPTI callback record (cbid, enter/exit, params, result).
  void on_callback(CallbackRecord record);

  // Intents are decoded at API_ENTER only in abort mode.
  bool wants_intents() const noexcept { return mode_ == OnViolation::Abort; }

  EnforcerStats stats() const;
  RuntimeBridge& bridge() noexcept { return bridge_; }
  OnViolation mode() const noexcept { return mode_; }

 private:
  struct Live {
    MemoryKind kind;
    std::size_t bytes;
    int rule;
    bool device_mapped;
  };
  using LiveKey = std::pair<bool, std::uint64_t>;  // (VMM handle?, pointer or handle)

  void handle(const AllocationEvent& event, bool enter);
  void on_device_allocation(const AllocationEvent& event);
  void on_free(const AllocationEvent& event);
  void on_non_vram(const AllocationEvent& event, bool intent);
  CallSite site_for(bool violation_path) const;
  void stop_process();

  RuntimeBridge& bridge_;
  const OnViolation mode_;
  const CallSites call_sites_;
  Hooks hooks_;
  CallbackDecoder decoder_;

  mutable std::mutex mutex_;
  PolicyLedger ledger_;
  std::map<LiveKey, Live> live_non_vram_;
  std::atomic<std::size_t> live_non_vram_count_{0};
  std::map<std::uint64_t, bool> mapped_reported_;
  std::uint64_t next_violation_id_ = std::uint64_t{1} << 48;
  EnforcerStats stats_;
};

}  // namespace vram_only::attach
