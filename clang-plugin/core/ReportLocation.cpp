//===- ReportLocation.cpp - Where a finding is reported -------------------===//
#include "core/ReportLocation.h"

#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace vram_only::analysis {

// The CUDA toolkit's include directory is recognised by the header every
// CUDA program includes; its subdirectories (crt/, cccl/thrust/...) belong to
// it too.
static constexpr llvm::StringLiteral ToolkitMarkerHeader = "cuda_runtime_api.h";

clang::SourceLocation ReportLocator::userLocation(clang::SourceLocation Loc) {
  if (Loc.isInvalid())
    return {};
  clang::SourceLocation FileLoc = SM.getFileLoc(Loc);
  if (FileLoc.isInvalid() || isOutsideUserCode(FileLoc))
    return {};
  return FileLoc;
}

bool ReportLocator::isOutsideUserCode(clang::SourceLocation FileLoc) {
  clang::FileID File = SM.getFileID(FileLoc);
  auto Cached = OutsideByFile.find(File);
  if (Cached != OutsideByFile.end())
    return Cached->second;

  bool Outside;
  if (File == SM.getMainFileID()) {
    Outside = false;
  } else if (SM.isInSystemHeader(FileLoc)) {
    Outside = true;
  } else if (clang::OptionalFileEntryRef Entry =
                 SM.getFileEntryRefForID(File)) {
    llvm::SmallString<256> Dir(Entry->getDir().getName());
    SM.getFileManager().getVirtualFileSystem().makeAbsolute(Dir);
    llvm::sys::path::remove_dots(Dir, /*remove_dot_dot=*/true);
    Outside = isToolkitDirectory(Dir);
  } else {
    Outside = true; // <built-in>, <command line>, <scratch space>
  }
  OutsideByFile[File] = Outside;
  return Outside;
}

bool ReportLocator::isToolkitDirectory(llvm::StringRef Dir) {
  auto Cached = ToolkitByDirectory.find(Dir);
  if (Cached != ToolkitByDirectory.end())
    return Cached->second;

  bool Toolkit = false;
  llvm::SmallString<256> Marker(Dir);
  llvm::sys::path::append(Marker, ToolkitMarkerHeader);
  llvm::vfs::FileSystem &FS = SM.getFileManager().getVirtualFileSystem();
  if (!Dir.empty() && FS.exists(Marker)) {
    Toolkit = true;
  } else {
    llvm::StringRef Parent = llvm::sys::path::parent_path(Dir);
    Toolkit = !Parent.empty() && Parent != Dir && isToolkitDirectory(Parent);
  }
  ToolkitByDirectory[Dir] = Toolkit;
  return Toolkit;
}

} // namespace vram_only::analysis
