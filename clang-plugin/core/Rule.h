//===- Rule.h - The four VRAM-only rules and their check names ------------===//
//
// Each rule is one check in every front end: a clang-tidy check, a category
// of the compiler plugin and of vram-check. The check names are defined here
// and nowhere else.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_RULE_H
#define VRAM_ONLY_ANALYSIS_RULE_H

#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>

namespace vram_only::analysis {

enum class Rule : std::uint8_t {
  ManagedMemory, ///< managed (unified) memory: cudaMallocManaged, __managed__
  HostMemory,    ///< page-locked host memory: cudaHostAlloc, cudaHostRegister
  MappedMemory,  ///< zero-copy mapping of host memory, host memory locations
  DynamicLookup, ///< forbidden functions looked up by name at run time
};

inline constexpr std::array<Rule, 4> AllRules = {
    Rule::ManagedMemory, Rule::HostMemory, Rule::MappedMemory,
    Rule::DynamicLookup};

/// "vram-managed-memory", "vram-host-memory", "vram-mapped-memory",
/// "vram-dynamic-lookup".
llvm::StringRef checkName(Rule R);

/// One sentence: what the rule forbids and why (SARIF rule descriptions,
/// --help output).
llvm::StringRef ruleSummary(Rule R);

/// What to use instead, and where the rule's documentation page is.
llvm::StringRef ruleHelp(Rule R);

/// The rule whose check name is \p Name, if any.
std::optional<Rule> ruleForCheckName(llvm::StringRef Name);

/// A set of rules, e.g. the checks one front end has enabled.
class RuleSet {
public:
  constexpr RuleSet() = default;
  static constexpr RuleSet all() {
    return RuleSet((1u << AllRules.size()) - 1);
  }
  static constexpr RuleSet only(Rule R) { return RuleSet(bit(R)); }

  constexpr bool contains(Rule R) const { return (Bits & bit(R)) != 0; }
  constexpr bool empty() const { return Bits == 0; }
  constexpr RuleSet &insert(Rule R) {
    Bits |= bit(R);
    return *this;
  }

private:
  constexpr explicit RuleSet(unsigned B) : Bits(B) {}
  static constexpr unsigned bit(Rule R) {
    return 1u << static_cast<unsigned>(R);
  }
  unsigned Bits = 0;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_RULE_H
