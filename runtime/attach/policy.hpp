// The policy: which non-VRAM memory a process may have anyway. By default
// none: every allocation that is not device memory is a violation. A policy
// file (policy_file.hpp) lists explicit exceptions, e.g. llama.cpp's pinned
// output buffers: a kind of memory, up to a size per allocation and in total,
// optionally only when the calling library's file name contains a text.
//
// decide() is pure; PolicyLedger keeps each rule's running totals (allowed
// bytes stay visible in the report and /metrics, never silent).
// Thread-safety: none; the enforcer calls it under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "allocation_event.hpp"

namespace vram_only::attach {

inline constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

struct PolicyRule {
  MemoryKind kind = MemoryKind::Pinned;
  std::size_t max_bytes_per_allocation = kUnlimited;
  std::size_t max_bytes_total = kUnlimited;
  std::string library;  // empty: any caller; else part of the calling library's file name
  int line = 0;         // where the rule starts in its policy file (0: not from a file)
};

struct Policy {
  std::vector<PolicyRule> rules;
  std::string source;  // the policy file, "" for the default (no exceptions)
};

struct Decision {
  bool allowed = false;
  int rule = -1;       // the rule that allows it, -1 when none does
  std::string reason;  // why it is a violation, or which rule allowed it
};

class PolicyLedger {
 public:
  explicit PolicyLedger(Policy policy) : policy_(std::move(policy)), used_(policy_.rules.size()) {}

  const Policy& policy() const noexcept { return policy_; }

  // Is `event` (non-VRAM) allowed, given what the rules already allowed?
  // `library`: the calling library's path, "" when unknown.
  Decision decide(const AllocationEvent& event, std::string_view library) const;

  // An allowed allocation now exists / was freed (Use events are not counted).
  void commit(int rule, std::size_t bytes);
  void release(int rule, std::size_t bytes);

  struct Usage {
    std::uint64_t live_bytes = 0;
    std::uint64_t peak_bytes = 0;
    std::uint64_t allocations = 0;  // allowed, ever
  };
  const Usage& usage(std::size_t rule) const { return used_.at(rule); }

 private:
  Policy policy_;
  std::vector<Usage> used_;
};

// "64 MiB" style text for messages (exact bytes when not a round unit).
std::string format_bytes(std::uint64_t bytes);

}  // namespace vram_only::attach
