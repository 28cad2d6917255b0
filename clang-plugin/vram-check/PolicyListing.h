//===- PolicyListing.h - vram-check --print-policy ------------------------===//
//
// The policy the analysis enforces, as JSON: one object per forbidden name
// (kind, check, name, the symbols cuda.h renames it to, reason, alternative)
// and per flag argument. For reviewers, for scripts that configure other
// tools with the same names (bench/analysis compares against
// cppcoreguidelines-no-malloc this way), and for the docs.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_VRAM_CHECK_POLICYLISTING_H
#define VRAM_ONLY_VRAM_CHECK_POLICYLISTING_H

#include "llvm/Support/raw_ostream.h"

namespace vram_only {

void printPolicy(llvm::raw_ostream &OS);

} // namespace vram_only

#endif
