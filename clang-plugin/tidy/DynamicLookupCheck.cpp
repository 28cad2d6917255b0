//===- DynamicLookupCheck.cpp - vram-dynamic-lookup -----------------------===//
#include "tidy/DynamicLookupCheck.h"

namespace vram_only::tidy {

DynamicLookupCheck::DynamicLookupCheck(llvm::StringRef Name,
                                       clang::tidy::ClangTidyContext *Context)
    : VramRuleCheck(Name, Context, analysis::Rule::DynamicLookup) {}

} // namespace vram_only::tidy
