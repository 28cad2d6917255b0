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

llvm::StringRef ruleSummary(Rule R) {
  switch (R) {
  case Rule::ManagedMemory:
    return "Managed (unified) memory can migrate to host RAM: a worker that "
           "uses it is not VRAM-only.";
  case Rule::HostMemory:
    return "Pinned or registered host memory is host RAM: tensors placed there "
           "are not in VRAM.";
  case Rule::MappedMemory:
    return "Zero-copy mapping lets kernels read host RAM over the bus; host "
           "memory locations put allocations in host RAM.";
  case Rule::DynamicLookup:
    return "Looking up a forbidden CUDA function by name bypasses every "
           "compile-time check of it.";
  }
  return "";
}

llvm::StringRef ruleHelp(Rule R) {
  switch (R) {
  case Rule::ManagedMemory:
    return "Allocate with cudaMalloc, cudaMallocAsync or cuMemAlloc and copy "
           "explicitly. See docs/checks/vram-managed-memory.md.";
  case Rule::HostMemory:
    return "Keep tensors in cudaMalloc memory; stage uploads through pageable "
           "memory with cudaMemcpy. See docs/checks/vram-host-memory.md.";
  case Rule::MappedMemory:
    return "Copy the data into cudaMalloc memory instead of mapping host "
           "memory; use device memory locations. See "
           "docs/checks/vram-mapped-memory.md.";
  case Rule::DynamicLookup:
    return "Call the VRAM alternative directly, or look up only functions the "
           "policy allows. See docs/checks/vram-dynamic-lookup.md.";
  }
  return "";
}

std::optional<Rule> ruleForCheckName(llvm::StringRef Name) {
  for (Rule R : AllRules)
    if (checkName(R) == Name)
      return R;
  return std::nullopt;
}

} // namespace vram_only::analysis
