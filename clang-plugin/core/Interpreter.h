//===- Interpreter.h - Turning matches into findings ----------------------===//
#ifndef VRAM_ONLY_ANALYSIS_INTERPRETER_H
#define VRAM_ONLY_ANALYSIS_INTERPRETER_H

#include "clang/ASTMatchers/ASTMatchFinder.h"

namespace vram_only::analysis {

class FindingSink;
class PolicyIndex;
class Reporter;

/// Reports the findings of one match of registerPolicyMatchers' matchers.
void interpretMatch(const clang::ast_matchers::MatchFinder::MatchResult &Result,
                    const PolicyIndex &Index, Reporter &Report,
                    FindingSink &Sink);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_INTERPRETER_H
