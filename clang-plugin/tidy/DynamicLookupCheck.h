//===- DynamicLookupCheck.h - vram-dynamic-lookup -------------------------===//
#ifndef VRAM_ONLY_TIDY_DYNAMIC_LOOKUP_CHECK_H
#define VRAM_ONLY_TIDY_DYNAMIC_LOOKUP_CHECK_H

#include "tidy/VramRuleCheck.h"

namespace vram_only::tidy {

/// Finds forbidden functions looked up by name: dlsym, dlvsym,
/// cuGetProcAddress, cudaGetDriverEntryPoint(ByVersion). Documentation:
/// docs/checks/vram-dynamic-lookup.md
class DynamicLookupCheck : public VramRuleCheck {
public:
  DynamicLookupCheck(llvm::StringRef Name,
                     clang::tidy::ClangTidyContext *Context);
};

} // namespace vram_only::tidy

#endif // VRAM_ONLY_TIDY_DYNAMIC_LOOKUP_CHECK_H
