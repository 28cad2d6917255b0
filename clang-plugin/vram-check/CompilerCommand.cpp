//===- CompilerCommand.cpp - Which compiler, which language, which GPU ----===//

#include "CompilerCommand.h"

#include "clang/Basic/Cuda.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace vram_only {

CompilerKind detectCompilerKind(llvm::StringRef Executable) {
  llvm::StringRef Name = llvm::sys::path::filename(Executable);
  Name.consume_back(".exe");
  // Versioned names: clang++-19, g++-12, gcc-12.2.
  llvm::StringRef Base = Name.rtrim("0123456789.");
  Base.consume_back("-");
  if (Base == "nvcc")
    return CompilerKind::Nvcc;
  if (Base.ends_with("clang") || Base.ends_with("clang++"))
    return CompilerKind::Clang;
  // Target-prefixed names: x86_64-linux-gnu-g++.
  if (Base.ends_with("gcc") || Base.ends_with("g++") || Base == "cc" ||
      Base == "c++" || Base.ends_with("-cc") || Base.ends_with("-c++"))
    return CompilerKind::Gcc;
  return CompilerKind::Unknown;
}

llvm::StringRef compilerKindName(CompilerKind Kind) {
  switch (Kind) {
  case CompilerKind::Nvcc:
    return "nvcc";
  case CompilerKind::Gcc:
    return "gcc";
  case CompilerKind::Clang:
    return "clang";
  case CompilerKind::Unknown:
    break;
  }
  return "unknown compiler";
}

std::optional<SourceLanguage> languageFromExtension(llvm::StringRef Path) {
  llvm::StringRef Ext = llvm::sys::path::extension(Path);
  return llvm::StringSwitch<std::optional<SourceLanguage>>(Ext)
      .Case(".cu", SourceLanguage::Cuda)
      .Cases(".c", ".i", SourceLanguage::C)
      .Cases(".cc", ".cpp", ".cxx", ".c++", ".C", ".ii", SourceLanguage::Cxx)
      .Cases(".cp", ".CPP", SourceLanguage::Cxx)
      // C++20 module units parse as C++ (their imports must be built).
      .Cases(".cppm", ".ixx", ".cxxm", ".c++m", ".ccm", SourceLanguage::Cxx)
      .Case(".cuh", SourceLanguage::Cuda)
      .Cases(".h", ".hh", ".hpp", ".hxx", ".h++", SourceLanguage::Cxx)
      .Cases(".H", ".inl", ".ipp", ".tcc", SourceLanguage::Cxx)
      .Default(std::nullopt);
}

std::optional<SourceLanguage> languageFromTypeName(llvm::StringRef Name) {
  return llvm::StringSwitch<std::optional<SourceLanguage>>(Name)
      .Cases("c", "c-header", "cpp-output", SourceLanguage::C)
      .Cases("c++", "c++-header", "c++-cpp-output", SourceLanguage::Cxx)
      .Cases("cuda", "cu", SourceLanguage::Cuda)
      .Default(std::nullopt);
}

std::string clangGpuArchFor(llvm::StringRef NvccArch) {
  llvm::StringRef Arch = NvccArch.trim();
  // Virtual (compute_), real (sm_) and LTO (lto_) targets name the same GPU.
  if (!(Arch.consume_front("sm_") || Arch.consume_front("compute_") ||
        Arch.consume_front("lto_")))
    return ""; // native, all, all-major: clang's default applies
  unsigned Number = 0;
  llvm::StringRef Digits = Arch.take_while(llvm::isDigit);
  if (Digits.empty() || Digits.getAsInteger(10, Number))
    return "";
  llvm::StringRef Suffix = Arch.drop_front(Digits.size());
  // Architecture-specific (a) and family (f) variants parse like the base.
  std::string Candidate = "sm_" + Digits.str();
  if (Suffix == "a" &&
      clang::StringToOffloadArch(Candidate + "a") != clang::OffloadArch::UNKNOWN)
    return Candidate + "a";
  if (clang::StringToOffloadArch(Candidate) != clang::OffloadArch::UNKNOWN)
    return Candidate;
  // Newer than clang 19 knows (sm_100, sm_120): parse as the newest it
  // knows. Code guarded by __CUDA_ARCH__ >= 1000 is then not seen; the
  // host side and arch-independent device code are.
  std::string Newest;
  for (unsigned N = Number; N >= 20; --N) {
    std::string Older = "sm_" + std::to_string(N);
    if (clang::StringToOffloadArch(Older) != clang::OffloadArch::UNKNOWN) {
      Newest = Older;
      break;
    }
  }
  return Newest;
}

std::string absolutePath(llvm::StringRef Path, llvm::StringRef Directory) {
  if (Path.starts_with("<")) // "<stdin>", "<command line>": no file
    return Path.str();
  llvm::SmallString<256> Result(Path);
  llvm::sys::fs::make_absolute(Directory, Result);
  llvm::sys::path::remove_dots(Result, /*remove_dot_dot=*/true);
  return std::string(Result);
}

llvm::Expected<TranslatedCommand>
translateCompilerCommand(llvm::ArrayRef<std::string> Argv,
                         llvm::StringRef Directory) {
  if (Argv.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "empty compile command");
  CompilerKind Kind = detectCompilerKind(Argv.front());
  switch (Kind) {
  case CompilerKind::Nvcc:
    return translateNvccCommand(Argv, Directory);
  case CompilerKind::Gcc:
  case CompilerKind::Clang:
    return translateGnuCommand(Argv, Directory, Kind);
  case CompilerKind::Unknown:
    break;
  }
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "unsupported compiler '" + Argv.front() +
          "' (vram-check reads nvcc, gcc, g++, cc, c++, clang and clang++ "
          "command lines)");
}

} // namespace vram_only
