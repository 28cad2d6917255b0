//===- Messages.cpp - The text of every finding ---------------------------===//
#include "core/Messages.h"

#include "core/Policy.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace vram_only::analysis {

std::string entryMessage(llvm::StringRef Api, const PolicyEntry &E) {
  return (Api + " " + E.Reason + "; " + E.Alternative).str();
}

std::string extraFunctionMessage(llvm::StringRef Api, llvm::StringRef Reason) {
  return (Api + " " + Reason).str();
}

std::string flagMessage(llvm::StringRef Function, std::uint64_t Bits,
                        const PolicyEntry &Flag) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << Function << " flags include " << Flag.Name << " ("
     << llvm::format_hex(Bits, 4) << "), which " << Flag.Reason << "; "
     << Flag.Alternative;
  return Text;
}

std::string lookupMessage(llvm::StringRef Lookup, llvm::StringRef Name,
                          llvm::StringRef Resolved,
                          llvm::StringRef Explanation) {
  std::string Resolution =
      Resolved.empty()
          ? std::string()
          : (" (the driver resolves it to " + Resolved + ")").str();
  return (Lookup + " looks up " + Name + " by name" + Resolution +
          ", which hides its use from compile-time checks: " + Explanation)
      .str();
}

std::string lookupSiteNote(llvm::StringRef Lookup, llvm::StringRef Name) {
  return (Lookup + " looks up " + Name + " here").str();
}

std::string systemHeaderNote(bool ByPragma, llvm::StringRef Root) {
  llvm::StringRef How =
      ByPragma ? "#pragma GCC system_header"
               : "included from a system include directory such as -isystem";
  return ("this file is a system header to the compiler (" + How +
          "), which would hide this finding; reported because it lies under "
          "the source root " +
          Root)
      .str();
}

std::string pointerDeclarationMessage(llvm::StringRef Name,
                                      llvm::StringRef Explanation) {
  return (Name +
          " is a function pointer that stands for the API function of that "
          "name, so its calls escape compile-time checks: " +
          Explanation)
      .str();
}

} // namespace vram_only::analysis
