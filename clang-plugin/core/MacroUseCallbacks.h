//===- MacroUseCallbacks.h - Forbidden macros, seen by the preprocessor ---===//
//
// Some violations leave no trace in the AST: clang drops `__managed__` in
// CUDA mode, and a mapped flag (cudaHostAllocMapped) becomes a plain 0x02.
// These callbacks report every expansion of a forbidden macro in the user's
// code, at the expansion (or, inside another macro, its outermost) site.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_MACRO_USE_CALLBACKS_H
#define VRAM_ONLY_ANALYSIS_MACRO_USE_CALLBACKS_H

#include "clang/Lex/PPCallbacks.h"

#include <memory>

namespace clang {
class Preprocessor;
} // namespace clang

namespace vram_only::analysis {

class FindingSink;
class PolicyIndex;
class Reporter;

/// Callbacks for \p PP reporting forbidden macro expansions to \p Sink. Every
/// argument must outlive the preprocessor's use of the callbacks.
std::unique_ptr<clang::PPCallbacks>
makeMacroUseCallbacks(const clang::Preprocessor &PP, const PolicyIndex &Index,
                      Reporter &Report, FindingSink &Sink);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_MACRO_USE_CALLBACKS_H
