//===- MappedMemoryCheck.h - vram-mapped-memory ---------------------------===//
#ifndef VRAM_ONLY_TIDY_MAPPED_MEMORY_CHECK_H
#define VRAM_ONLY_TIDY_MAPPED_MEMORY_CHECK_H

#include "tidy/VramRuleCheck.h"

namespace vram_only::tidy {

/// Finds zero-copy mapped host memory: cudaHostGetDevicePointer, mapped flags
/// however spelled, host memory locations. Documentation:
/// docs/checks/vram-mapped-memory.md
class MappedMemoryCheck : public VramRuleCheck {
public:
  MappedMemoryCheck(llvm::StringRef Name,
                    clang::tidy::ClangTidyContext *Context);
};

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_MAPPED_MEMORY_CHECK_H
