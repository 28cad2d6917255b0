//===- HostMemoryCheck.cpp - vram-host-memory -----------------------------===//
#include "tidy/HostMemoryCheck.h"

namespace vram_only::tidy {

HostMemoryCheck::HostMemoryCheck(llvm::StringRef Name,
                                 clang::tidy::ClangTidyContext *Context)
    : VramRuleCheck(Name, Context, analysis::Rule::HostMemory) {}

} // namespace vram_only::tidy
