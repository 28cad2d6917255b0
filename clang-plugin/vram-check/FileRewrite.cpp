//===- FileRewrite.cpp - Rewrite a file without ever losing it ------------===//

#include "FileRewrite.h"

#include "Fixes.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vram_only {
namespace {

llvm::Error fileError(std::error_code EC, const llvm::Twine &What,
                      llvm::StringRef Path) {
  return llvm::createStringError(EC, "cannot %s '%s': %s", What.str().c_str(),
                                 Path.str().c_str(), EC.message().c_str());
}

std::error_code lastError() { return std::error_code(errno, std::generic_category()); }

/// An open descriptor of \p Path holding an exclusive flock, and the file's
/// status. Another run may rename a new file over the path between open
/// and flock: the lock is then on a file no longer named by the path, so
/// it is taken again on the new one.
llvm::Expected<int> openLocked(llvm::StringRef Path, struct stat &Status) {
  for (;;) {
    int FD = ::open(Path.str().c_str(), O_RDONLY | O_CLOEXEC);
    if (FD < 0)
      return fileError(lastError(), "read", Path);
    struct stat Named;
    if (::flock(FD, LOCK_EX) != 0 || ::fstat(FD, &Status) != 0) {
      std::error_code EC = lastError();
      ::close(FD);
      return fileError(EC, "lock", Path);
    }
    if (::stat(Path.str().c_str(), &Named) == 0 &&
        Named.st_dev == Status.st_dev && Named.st_ino == Status.st_ino)
      return FD;
    ::close(FD);
  }
}

} // namespace

llvm::Error rewriteFile(
    llvm::StringRef Path, llvm::StringRef ExpectedHash,
    llvm::function_ref<llvm::Expected<std::string>(llvm::StringRef)> Edit) {
  llvm::SmallString<256> Real;
  if (std::error_code EC = llvm::sys::fs::real_path(Path, Real))
    return fileError(EC, "read", Path);
  struct stat Status;
  llvm::Expected<int> FD = openLocked(Real, Status);
  if (!FD)
    return FD.takeError();
  auto Unlock = llvm::make_scope_exit([&] { ::close(*FD); });

  auto Buffer = llvm::MemoryBuffer::getOpenFile(*FD, Real, Status.st_size);
  if (!Buffer)
    return fileError(Buffer.getError(), "read", Path);
  if (contentHash((*Buffer)->getBuffer()) != ExpectedHash)
    return llvm::createStringError(
        std::make_error_code(std::errc::resource_unavailable_try_again),
        "'%s' changed after it was analysed (another vram-check --fix or an "
        "editor wrote it): its fixes were not applied and the file is left "
        "as it is; run vram-check --fix again",
        Path.str().c_str());
  llvm::Expected<std::string> Text = Edit((*Buffer)->getBuffer());
  if (!Text)
    return Text.takeError();

  llvm::SmallString<256> Model = llvm::sys::path::parent_path(Real);
  llvm::sys::path::append(Model, "." + llvm::sys::path::filename(Real) +
                                     ".vram-check-%%%%%%");
  int TempFD;
  llvm::SmallString<256> Temp;
  if (std::error_code EC =
          llvm::sys::fs::createUniqueFile(Model, TempFD, Temp))
    return fileError(EC, "write", Path);
  bool Renamed = false;
  auto RemoveTemp = llvm::make_scope_exit([&] {
    if (!Renamed)
      llvm::sys::fs::remove(Temp);
  });
  {
    llvm::raw_fd_ostream OS(TempFD, /*shouldClose=*/true);
    OS << *Text;
    OS.close();
    if (OS.has_error()) {
      std::error_code EC = OS.error();
      OS.clear_error(); // reported here, not by the stream's destructor
      return fileError(EC, "write", Path);
    }
  }
  // The file's mode, and its owner where this process may set it (root); a
  // user rewrites their own file, which already has them.
  if (::chmod(Temp.c_str(), Status.st_mode & 07777) != 0)
    return fileError(lastError(), "write", Path);
  (void)!::chown(Temp.c_str(), Status.st_uid, Status.st_gid);
  if (::rename(Temp.c_str(), Real.c_str()) != 0)
    return fileError(lastError(), "write", Path);
  Renamed = true;
  return llvm::Error::success();
}

} // namespace vram_only
