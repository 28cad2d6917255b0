//===- MappedMemoryCheck.cpp - vram-mapped-memory -------------------------===//
#include "tidy/MappedMemoryCheck.h"

namespace vram_only::tidy {

MappedMemoryCheck::MappedMemoryCheck(llvm::StringRef Name,
                                     clang::tidy::ClangTidyContext *Context)
    : VramRuleCheck(Name, Context, analysis::Rule::MappedMemory) {}

} // namespace vram_only::tidy
