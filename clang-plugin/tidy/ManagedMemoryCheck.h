//===- ManagedMemoryCheck.h - vram-managed-memory -------------------------===//
#ifndef VRAM_ONLY_TIDY_MANAGED_MEMORY_CHECK_H
#define VRAM_ONLY_TIDY_MANAGED_MEMORY_CHECK_H

#include "tidy/VramRuleCheck.h"

namespace vram_only::tidy {

/// Finds managed (unified) memory: cudaMallocManaged, cuMemAllocManaged,
/// __managed__, migration hints and prefetches, thrust's universal containers.
/// Documentation: docs/checks/vram-managed-memory.md
class ManagedMemoryCheck : public VramRuleCheck {
public:
  ManagedMemoryCheck(llvm::StringRef Name,
                     clang::tidy::ClangTidyContext *Context);
};

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_MANAGED_MEMORY_CHECK_H
