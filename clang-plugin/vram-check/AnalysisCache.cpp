//===- AnalysisCache.cpp - Clean analyses remembered across builds --------===//

#include "AnalysisCache.h"

#include "VramCheckConfig.h"

#include "core/ClangTidyConfig.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/BLAKE3.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace vram_only {
namespace {

/// Feeds a length-prefixed field to the hash, so that no two different
/// sequences of fields hash the same bytes.
void addField(llvm::BLAKE3 &Hash, llvm::StringRef Field) {
  std::string Length = std::to_string(Field.size()) + ":";
  Hash.update(Length);
  Hash.update(Field);
}

/// Adds the name and text of every file the preprocessor enters, in the
/// order it enters them (the predefines buffer included: it holds the
/// compiler's own macros).
class EnteredFiles : public clang::PPCallbacks {
public:
  EnteredFiles(const clang::SourceManager &SM, llvm::BLAKE3 &Hash)
      : SM(SM), Hash(Hash) {}

  void FileChanged(clang::SourceLocation Loc, FileChangeReason Reason,
                   clang::SrcMgr::CharacteristicKind,
                   clang::FileID) override {
    if (Reason != EnterFile)
      return;
    clang::FileID File = SM.getFileID(SM.getExpansionLoc(Loc));
    addField(Hash, SM.getBufferName(SM.getLocForStartOfFile(File)));
    addField(Hash, SM.getBufferData(File));
  }

private:
  const clang::SourceManager &SM;
  llvm::BLAKE3 &Hash;
};

/// Runs the preprocessor only, with EnteredFiles attached.
class HashingAction : public clang::PreprocessOnlyAction {
public:
  explicit HashingAction(llvm::BLAKE3 &Hash) : Hash(Hash) {}

  bool BeginSourceFileAction(clang::CompilerInstance &CI) override {
    CI.getPreprocessor().addPPCallbacks(
        std::make_unique<EnteredFiles>(CI.getSourceManager(), Hash));
    return PreprocessOnlyAction::BeginSourceFileAction(CI);
  }

private:
  llvm::BLAKE3 &Hash;
};

/// Counts clang's errors and prints nothing: the analysis, which runs when
/// there is no key, reports them.
class SilentDiagnostics : public clang::DiagnosticConsumer {};

/// Adds the side \p Job (its command line and the files it reads); false
/// when it cannot be preprocessed.
bool addJob(const AnalysisJob &Job, llvm::BLAKE3 &Hash) {
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS =
      llvm::vfs::createPhysicalFileSystem();
  if (FS->setCurrentWorkingDirectory(Job.Directory))
    return false;
  addField(Hash, Job.Directory);
  for (const std::string &Arg : Job.Argv)
    addField(Hash, Arg);
  // The .clang-tidy files that configure the checks for this source.
  analysis::LoadedConfig Config =
      analysis::loadClangTidyConfigFor(Job.Source, FS);
  if (!Config.Errors.empty())
    return false;
  for (const std::string &File : Config.Files) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Text =
        FS->getBufferForFile(File);
    if (!Text)
      return false;
    addField(Hash, File);
    addField(Hash, (*Text)->getBuffer());
  }
  llvm::IntrusiveRefCntPtr<clang::FileManager> Files(
      new clang::FileManager(clang::FileSystemOptions(), FS));
  SilentDiagnostics Diagnostics;
  clang::tooling::ToolInvocation Invocation(
      Job.Argv, std::make_unique<HashingAction>(Hash), Files.get());
  Invocation.setDiagnosticConsumer(&Diagnostics);
  return Invocation.run() && Diagnostics.getNumErrors() == 0;
}

} // namespace

std::string AnalysisCache::defaultDirectory() {
  if (const char *Dir = std::getenv("VRAM_CHECK_CACHE_DIR"); Dir && *Dir)
    return Dir;
  // $XDG_CACHE_HOME, else the home directory's .cache.
  llvm::SmallString<256> Dir;
  if (!llvm::sys::path::cache_directory(Dir))
    return "";
  llvm::sys::path::append(Dir, "vram-check");
  return std::string(Dir);
}

std::optional<std::string>
AnalysisCache::keyFor(const std::vector<SourceTask> &Tasks,
                      const CudaToolchain &Toolchain, llvm::StringRef Settings,
                      llvm::StringRef SelfExecutable) {
  llvm::BLAKE3 Hash;
  // vram-check itself: a rebuilt or upgraded vram-check may judge the same
  // text differently.
  addField(Hash, VRAM_ONLY_VERSION);
  llvm::sys::fs::file_status Self;
  if (llvm::sys::fs::status(SelfExecutable, Self))
    return std::nullopt;
  addField(Hash, std::to_string(Self.getSize()));
  addField(Hash, std::to_string(Self.getLastModificationTime()
                                    .time_since_epoch()
                                    .count()));
  addField(Hash, Settings);
  for (const SourceTask &Task : Tasks) {
    addField(Hash, Task.Source.Path);
    for (const AnalysisJob &Job :
         planJobs(Task.Command, Task.Source, Task.Directory, Toolchain))
      if (!addJob(Job, Hash))
        return std::nullopt;
  }
  return llvm::toHex(Hash.final(), /*LowerCase=*/true);
}

std::string AnalysisCache::entryPath(llvm::StringRef Key) const {
  llvm::SmallString<256> Path(Directory);
  llvm::sys::path::append(Path, Key.take_front(2), Key.drop_front(2));
  return std::string(Path);
}

std::optional<std::string> AnalysisCache::lookup(llvm::StringRef Key) const {
  if (Directory.empty())
    return std::nullopt;
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Entry =
      llvm::MemoryBuffer::getFile(entryPath(Key), /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!Entry)
    return std::nullopt;
  return (*Entry)->getBuffer().str();
}

std::optional<std::string> AnalysisCache::store(llvm::StringRef Key,
                                                llvm::StringRef Text) const {
  if (Directory.empty())
    return std::string("no cache directory (set VRAM_CHECK_CACHE_DIR or HOME)");
  std::string Path = entryPath(Key);
  llvm::StringRef Parent = llvm::sys::path::parent_path(Path);
  if (std::error_code EC = llvm::sys::fs::create_directories(Parent))
    return "cannot create '" + Parent.str() + "': " + EC.message();
  // A temporary file in the same directory, renamed over the entry.
  if (llvm::Error Error = llvm::writeToOutput(Path, [&](llvm::raw_ostream &OS) {
        OS << Text;
        return llvm::Error::success();
      }))
    return "cannot write '" + Path + "': " + llvm::toString(std::move(Error));
  return std::nullopt;
}

} // namespace vram_only
