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
/// entryMessage or extraFunctionMessage of the function looked up). With a
/// \p Resolved symbol (the driver's version of an unversioned name):
/// "<Lookup> looks up <Name> by name (the driver resolves it to <Resolved>),
/// which ...".
std::string lookupMessage(llvm::StringRef Lookup, llvm::StringRef Name,
                          llvm::StringRef Resolved,
                          llvm::StringRef Explanation);

/// The note at a lookup whose name a table entry supplies (the finding is at
/// the entry): "<Lookup> looks up <Name> here".
std::string lookupSiteNote(llvm::StringRef Lookup, llvm::StringRef Name);

/// The note of a finding in a file the compiler treats as a system header
/// but that lies under the project's source root: "this file is a system
/// header to the compiler (<how>), which would hide this finding; reported
/// because it lies under the source root <Root>", where how is "#pragma GCC
/// system_header" when \p ByPragma, else "included from a system include
/// directory such as -isystem".
std::string systemHeaderNote(bool ByPragma, llvm::StringRef Root);

/// "<Name> is a function pointer that stands for the API function of that
/// name, so its calls escape compile-time checks: <explanation>", where the
/// explanation is the entryMessage of that function.
std::string pointerDeclarationMessage(llvm::StringRef Name,
                                      llvm::StringRef Explanation);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_MESSAGES_H
