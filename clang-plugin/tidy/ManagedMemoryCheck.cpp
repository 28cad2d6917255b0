//===- ManagedMemoryCheck.cpp - vram-managed-memory -----------------------===//
#include "tidy/ManagedMemoryCheck.h"

namespace vram_only::tidy {

ManagedMemoryCheck::ManagedMemoryCheck(llvm::StringRef Name,
                                       clang::tidy::ClangTidyContext *Context)
    : VramRuleCheck(Name, Context, analysis::Rule::ManagedMemory) {}

} // namespace vram_only::tidy
