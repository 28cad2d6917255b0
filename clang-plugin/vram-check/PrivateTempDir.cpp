//===- PrivateTempDir.cpp - The run's one temporary directory -------------===//

#include "PrivateTempDir.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace vram_only {
namespace {

/// The directory's path for the signal handler, which may not allocate.
char DirectoryForSignals[PATH_MAX];

/// Called by LLVM's handler of SIGINT, SIGTERM, SIGHUP... after it removed
/// the files registered with RemoveFileOnSignal. LLVM does not raise the
/// signal again when an interrupt function is set: this ends the process as
/// the signal would have.
void removeDirectoryOnSignal() {
  ::rmdir(DirectoryForSignals);
  ::raise(SIGTERM); // LLVM restored the default actions before calling us
}

/// Owns the directory: removes it, with what is left in it, at exit.
struct Directory {
  std::string Path;
  std::error_code Error;

  Directory() {
    llvm::SmallString<256> Model;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Model);
    llvm::sys::path::append(Model, "vram-check-XXXXXX");
    // mkdtemp needs a NUL-terminated template: a SmallString's data() is not.
    std::string Template(Model.str());
    if (Template.size() >= PATH_MAX || !::mkdtemp(Template.data())) {
      Error = std::error_code(Template.size() >= PATH_MAX ? ENAMETOOLONG : errno,
                              std::generic_category());
      return;
    }
    Path = Template;
    std::strcpy(DirectoryForSignals, Path.c_str());
    llvm::sys::SetInterruptFunction(removeDirectoryOnSignal);
  }
  ~Directory() {
    if (!Path.empty())
      llvm::sys::fs::remove_directories(Path);
  }
};

} // namespace

llvm::ErrorOr<std::string>
createPrivateTemporaryFile(llvm::StringRef Prefix, llvm::StringRef Suffix,
                           llvm::function_ref<void(llvm::raw_ostream &)> Write) {
  static Directory TheDirectory;
  if (TheDirectory.Error)
    return TheDirectory.Error;
  llvm::SmallString<256> Model(TheDirectory.Path);
  llvm::sys::path::append(Model, Prefix + "-%%%%%%." + Suffix);
  int FD;
  llvm::SmallString<256> Path;
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(Model, FD, Path))
    return EC;
  llvm::sys::RemoveFileOnSignal(Path);
  llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
  Write(OS);
  OS.close();
  if (std::error_code EC = OS.error()) {
    OS.clear_error(); // returned, not reported by the stream's destructor
    llvm::sys::fs::remove(Path);
    return EC;
  }
  return std::string(Path);
}

bool dieWithParent(int Parent, llvm::ArrayRef<std::string> Files) {
#ifdef __linux__
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
  std::string Dir =
      Files.empty() ? "" : llvm::sys::path::parent_path(Files.front()).str();
  if (::getppid() != Parent) {
    // The parent died before the request above: its cleanup is ours.
    for (const std::string &File : Files)
      llvm::sys::fs::remove(File);
    if (!Dir.empty())
      ::rmdir(Dir.c_str());
    return false;
  }
  for (const std::string &File : Files)
    llvm::sys::RemoveFileOnSignal(File);
  if (!Dir.empty() && Dir.size() < PATH_MAX) {
    std::strcpy(DirectoryForSignals, Dir.c_str());
    llvm::sys::SetInterruptFunction(removeDirectoryOnSignal);
  }
  return true;
}

} // namespace vram_only
