//===- HostMemoryCheck.h - vram-host-memory -------------------------------===//
#ifndef VRAM_ONLY_TIDY_HOST_MEMORY_CHECK_H
#define VRAM_ONLY_TIDY_HOST_MEMORY_CHECK_H

#include "tidy/VramRuleCheck.h"

namespace vram_only::tidy {

/// Finds page-locked (pinned) host memory: cudaHostAlloc, cudaMallocHost,
/// cuMemAllocHost, cuMemHostAlloc, cudaHostRegister, cuMemHostRegister,
/// thrust's pinned allocators. Documentation: docs/checks/vram-host-memory.md
class HostMemoryCheck : public VramRuleCheck {
public:
  HostMemoryCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext *Context);
};

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_HOST_MEMORY_CHECK_H
