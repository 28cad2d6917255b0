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

ReportLocator::ReportLocator(const clang::SourceManager &SM,
                             std::string Root)
    : SM(SM), ProjectRoot(std::move(Root)) {
  // "/" would make every system header the project's.
  llvm::StringRef Trimmed = llvm::StringRef(ProjectRoot).rtrim('/');
  ProjectRoot = Trimmed.str();
}

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
    Outside = !isProjectFile(File);
  } else if (SM.getFileEntryRefForID(File)) {
    Outside = isToolkitDirectory(directoryOf(File));
  } else {
    Outside = true; // <built-in>, <command line>, <scratch space>
  }
  OutsideByFile[File] = Outside;
  return Outside;
}

std::optional<bool>
ReportLocator::systemMarkInProject(clang::SourceLocation FileLoc) {
  if (ProjectRoot.empty() || FileLoc.isInvalid() ||
      !SM.isInSystemHeader(FileLoc) || isOutsideUserCode(FileLoc))
    return std::nullopt;
  // The characteristic the file was entered with comes from its include
  // directory; a line marker (the pragma) changes it only from there on.
  const clang::SrcMgr::SLocEntry &Entry =
      SM.getSLocEntry(SM.getFileID(FileLoc));
  return Entry.isFile() &&
         !clang::SrcMgr::isSystem(Entry.getFile().getFileCharacteristic());
}

std::string ReportLocator::directoryOf(clang::FileID File) {
  clang::OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File);
  if (!Entry)
    return {};
  llvm::SmallString<256> Dir(Entry->getDir().getName());
  SM.getFileManager().getVirtualFileSystem().makeAbsolute(Dir);
  llvm::sys::path::remove_dots(Dir, /*remove_dot_dot=*/true);
  return std::string(Dir);
}

bool ReportLocator::isProjectFile(clang::FileID File) {
  if (ProjectRoot.empty())
    return false;
  std::string Dir = directoryOf(File);
  if (Dir.empty() || isToolkitDirectory(Dir))
    return false;
  auto Under = [&](llvm::StringRef Path) {
    return Path == ProjectRoot ||
           (Path.starts_with(ProjectRoot) &&
            Path.substr(ProjectRoot.size()).starts_with("/"));
  };
  if (Under(Dir))
    return true;
  // The same directory reached through a symbolic link.
  llvm::vfs::FileSystem &FS = SM.getFileManager().getVirtualFileSystem();
  llvm::SmallString<256> RealDir, RealRoot;
  if (FS.getRealPath(Dir, RealDir) || FS.getRealPath(ProjectRoot, RealRoot))
    return false;
  llvm::StringRef Real(RealDir), Root(RealRoot);
  return Real == Root ||
         (Real.starts_with(Root) && Real.substr(Root.size()).starts_with("/"));
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
