//===- Rule.cpp - Check names of the VRAM-only rules ----------------------===//
#include "core/Rule.h"

namespace vram_only::analysis {

llvm::StringRef checkName(Rule R) {
  switch (R) {
  case Rule::ManagedMemory:
    return "vram-managed-memory";
  case Rule::HostMemory:
    return "vram-host-memory";
  case Rule::MappedMemory:
    return "vram-mapped-memory";
  case Rule::DynamicLookup:
    return "vram-dynamic-lookup";
  }
  return "vram-unknown";
}

std::optional<Rule> ruleForCheckName(llvm::StringRef Name) {
  for (Rule R : AllRules)
    if (checkName(R) == Name)
      return R;
  return std::nullopt;
}

} // namespace vram_only::analysis
