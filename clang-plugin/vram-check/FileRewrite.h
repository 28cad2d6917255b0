//===- FileRewrite.h - Rewrite a file without ever losing it --------------===//
//
// --fix edits the user's sources, possibly while another vram-check run
// (make -j running the launcher on two targets that share a header) or an
// editor writes the same file. rewriteFile() makes that safe:
//
//  - a symlink is followed to the file it names, which is the one rewritten;
//  - the new text goes to a temporary file in that file's directory, with
//    the file's mode (and owner, where allowed), which rename(2) moves over
//    it: a reader or a killed run sees the old text or the new, never a
//    truncated file, and a failure leaves the old file and no temporary;
//  - between reading the text and the rename, an exclusive flock(2) on the
//    file is held, and the text is handed to \p Edit only when it still
//    has \p ExpectedHash (contentHash): two runs that both computed fixes on
//    the same text apply them once, the second one refuses.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_FILEREWRITE_H
#define VRAM_ONLY_VRAM_CHECK_FILEREWRITE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace vram_only {

/// Replaces the text of \p Path by Edit(text) as described above. Fails,
/// leaving the file untouched, when the file cannot be read, locked or
/// written, when its text's contentHash is not \p ExpectedHash, or when
/// \p Edit fails.
llvm::Error rewriteFile(
    llvm::StringRef Path, llvm::StringRef ExpectedHash,
    llvm::function_ref<llvm::Expected<std::string>(llvm::StringRef)> Edit);

} // namespace vram_only

#endif
