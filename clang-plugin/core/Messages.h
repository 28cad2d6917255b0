//===- Messages.h - The text of every finding -----------------------------===//
//
// All message wording lives here. Messages carry no "[check]" suffix.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_MESSAGES_H
#define VRAM_ONLY_ANALYSIS_MESSAGES_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace vram_only::analysis {

struct PolicyEntry;

/// "<Api> <reason>; <alternative>", e.g. "cudaMallocManaged allocates
/// managed (unified) memory that can migrate to host RAM; use cudaMalloc".
std::string entryMessage(llvm::StringRef Api, const PolicyEntry &E);

/// "<Api> <Reason>" for the user's ExtraFunctions.
std::string extraFunctionMessage(llvm::StringRef Api, llvm::StringRef Reason);

/// "<Function> flags include <Flag> (0x02), which <reason>; <alternative>".
std::string flagMessage(llvm::StringRef Function, std::uint64_t Bits,
                        const PolicyEntry &Flag);

/// "<Lookup> looks up <Name> by name, which hides its use from compile-time
/// checks: <explanation>", where the explanation is \p Explanation (an
/// entryMessage or extraFunctionMessage of the function looked up).
std::string lookupMessage(llvm::StringRef Lookup, llvm::StringRef Name,
                          llvm::StringRef Explanation);

/// "<Name> is a function pointer that stands for the API function of that
/// name, so its calls escape compile-time checks: <explanation>", where the
/// explanation is the entryMessage of that function.
std::string pointerDeclarationMessage(llvm::StringRef Name,
                                      llvm::StringRef Explanation);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_MESSAGES_H
