//===- PrivateTempDir.h - The run's one temporary directory ---------------===//
//
// vram-check hands each per-side job to a child process through files, and
// the launcher copies a source read from standard input. All of them live
// in one directory private to the run (mode 0700, under $TMPDIR), so that
// nothing of a run is left behind:
//
//  - the parent removes the directory with its contents when it exits, and
//    on SIGINT, SIGTERM or SIGHUP (the files registered with
//    llvm::sys::RemoveFileOnSignal first, then the empty directory);
//  - a child asks the kernel for SIGTERM when its parent dies, even by
//    SIGKILL (PR_SET_PDEATHSIG), and on that signal removes its own files
//    and the directory once it is empty: the last child out removes it.
//
// Thread-safe: the directory is created once, by the first caller.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_PRIVATETEMPDIR_H
#define VRAM_ONLY_VRAM_CHECK_PRIVATETEMPDIR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ErrorOr.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace vram_only {

/// A new file in the private directory (created on the first call),
/// "<Prefix>-XXXXXX.<Suffix>", registered for removal on a signal and
/// holding what \p Write writes; an error when it cannot be written.
llvm::ErrorOr<std::string>
createPrivateTemporaryFile(llvm::StringRef Prefix, llvm::StringRef Suffix,
                           llvm::function_ref<void(llvm::raw_ostream &)> Write);

/// In a child process started by process \p Parent: die (SIGTERM) with the
/// parent, and on that signal remove \p Files and then their directory if
/// it is empty. Returns false when the parent is already gone (the files,
/// and the directory if empty, are then removed at once).
bool dieWithParent(int Parent, llvm::ArrayRef<std::string> Files);

} // namespace vram_only

#endif
