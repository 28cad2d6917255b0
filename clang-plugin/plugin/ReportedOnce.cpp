//===- ReportedOnce.cpp - One report per location across CUDA jobs --------===//
#include "plugin/ReportedOnce.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <string>

namespace vram_only::plugin {
namespace {

constexpr llvm::StringLiteral FilePrefix = "vram-only-plugin-";

/// true when this process is a cc1 of its own (argv[1] is "-cc1"), not the
/// driver running cc1 in-process.
bool isSeparateCc1Process() {
  auto Cmdline = llvm::MemoryBuffer::getFileAsStream("/proc/self/cmdline");
  if (!Cmdline)
    return false;
  llvm::SmallVector<llvm::StringRef, 4> Args;
  (*Cmdline)->getBuffer().split(Args, '\0', 2);
  return Args.size() > 1 && Args[1] == "-cc1";
}

/// The start time of process \p Pid (clock ticks since boot), which tells a
/// driver from a later process that reuses its pid; "" when it has exited.
std::string startTime(pid_t Pid) {
  auto Stat = llvm::MemoryBuffer::getFileAsStream("/proc/" +
                                                  std::to_string(Pid) + "/stat");
  if (!Stat)
    return "";
  // Field 22; fields after the ')' that closes the command name.
  llvm::StringRef Rest =
      (*Stat)->getBuffer().substr((*Stat)->getBuffer().rfind(')') + 2);
  llvm::SmallVector<llvm::StringRef, 24> Fields;
  Rest.split(Fields, ' ');
  return Fields.size() > 19 ? Fields[19].str() : "";
}

/// Removes the files of drivers that have exited.
void removeStaleFiles(llvm::StringRef Dir) {
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    llvm::StringRef Name = llvm::sys::path::filename(It->path());
    if (!Name.consume_front(FilePrefix) || !Name.consume_back(".reported"))
      continue;
    // <uid>-<driver pid>-<driver start time>
    llvm::SmallVector<llvm::StringRef, 3> Parts;
    Name.split(Parts, '-');
    unsigned Uid = 0, Pid = 0;
    if (Parts.size() != 3 || Parts[0].getAsInteger(10, Uid) ||
        Uid != getuid() || Parts[1].getAsInteger(10, Pid))
      continue;
    llvm::StringRef Start = Parts[2];
    if (startTime(static_cast<pid_t>(Pid)) != Start)
      llvm::sys::fs::remove(It->path());
  }
}

/// The file the jobs of this compile share, or "" when none can be used.
std::string sharedFilePath() {
  pid_t Driver = getppid();
  std::string Start = startTime(Driver);
  if (Start.empty())
    return "";
  llvm::SmallString<256> Dir;
  llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Dir);
  llvm::SmallString<256> Path(Dir);
  llvm::sys::path::append(Path, FilePrefix + std::to_string(getuid()) + "-" +
                                    std::to_string(Driver) + "-" + Start +
                                    ".reported");
  if (!llvm::sys::fs::exists(Path))
    removeStaleFiles(Dir);
  return std::string(Path);
}

/// Appends \p Key ("\n<fields>\n") to the shared file unless it is there;
/// true if appended.
/// Returns true as well when the file cannot be used.
bool firstInSharedFile(const std::string &Path, const std::string &Key) {
  int FD = ::open(Path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (FD < 0)
    return true;
  bool First = true;
  if (::flock(FD, LOCK_EX) == 0) {
    std::string Content;
    char Buffer[4096];
    ssize_t N;
    while ((N = ::read(FD, Buffer, sizeof(Buffer))) > 0)
      Content.append(Buffer, static_cast<size_t>(N));
    if (("\n" + Content).find(Key) != std::string::npos)
      First = false;
    else if (::write(FD, Key.data() + 1, Key.size() - 1) < 0)
      First = true; // could not record: report anyway
    ::flock(FD, LOCK_UN);
  }
  ::close(FD);
  return First;
}

} // namespace

bool firstReport(llvm::StringRef File, unsigned Line, unsigned Column,
                 llvm::StringRef Check, llvm::StringRef Api) {
  static std::mutex Lock;
  static std::set<std::string> Seen;
  static const bool Shared = isSeparateCc1Process();
  static const std::string SharedPath = Shared ? sharedFilePath() : "";

  // One line per finding; the leading newline makes contains() match whole
  // lines only.
  std::string Key = "\n" + File.str() + "\t" + std::to_string(Line) + "\t" +
                    std::to_string(Column) + "\t" + Check.str() + "\t" +
                    Api.str() + "\n";
  std::lock_guard<std::mutex> Guard(Lock);
  if (!Seen.insert(Key).second)
    return false;
  if (SharedPath.empty())
    return true;
  return firstInSharedFile(SharedPath, Key);
}

} // namespace vram_only::plugin
