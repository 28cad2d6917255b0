//===- CompilerCommand.h - A compiler's command line, read for analysis ---===//
//
// vram-check analyses a translation unit with the command line its build
// recorded: an entry of compile_commands.json, or the compiler invocation it
// wraps in --launcher mode. Builds use nvcc, gcc or clang; the analysis runs
// clang 19. This header turns such a command into the arguments clang needs
// to parse the same source the same way (macros, include paths, language
// standard, GPU architectures), dropping what only affects code generation.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_COMPILERCOMMAND_H
#define VRAM_ONLY_VRAM_CHECK_COMPILERCOMMAND_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace vram_only {

/// The compiler a command invokes, from the name of its executable.
enum class CompilerKind {
  Nvcc,  ///< nvcc
  Gcc,   ///< gcc, g++, cc, c++ (also versioned or target-prefixed names)
  Clang, ///< clang, clang++ (also versioned names)
  Unknown,
};

CompilerKind detectCompilerKind(llvm::StringRef Executable);
llvm::StringRef compilerKindName(CompilerKind Kind);

/// What nvcc's options mean for parsing (see NvccOptions.def).
enum class NvccAction {
  Ignore,
  Define,
  Undefine,
  IncludePath,
  SystemIncludePath,
  PreInclude,
  Optimize,
  Standard,
  Language,
  NoExceptions,
  TemplateDepth,
  TemplateBacktraceLimit,
  Machine,
  Machine64,
  DefaultStream,
  GpuArchitecture,
  GpuCode,
  GenerateCode,
  HostCompilerOptions,
  ForwardUnknownToHost,
  OptionsFile,
  DeviceCompile,         ///< -dc: relocatable device code, as -rdc=true
  RelocatableDeviceCode, ///< -rdc=true|false
  ExtendedLambda,        ///< --extended-lambda
  RelaxedConstexpr,      ///< --expt-relaxed-constexpr
};

/// The modes of nvcc that predefine macros (NvccMacros.def).
enum class NvccMode {
  Always,
  RelocatableDeviceCode,
  ExtendedLambda,
  RelaxedConstexpr,
};

/// The language a source is parsed as.
enum class SourceLanguage { C, Cxx, Cuda };

struct SourceInput {
  std::string Path;        ///< as written in the command
  SourceLanguage Language; ///< from -x, or else from the extension
};

/// A compile command, translated for clang.
struct TranslatedCommand {
  CompilerKind Compiler = CompilerKind::Unknown;
  /// Sources named on the command line (objects and libraries are skipped).
  std::vector<SourceInput> Sources;
  /// Arguments for clang that apply to every source: macros, include paths,
  /// standard, language flags. No input, output, -c or job-selection flags.
  std::vector<std::string> ClangArgs;
  /// What the compiler predefines that clang does not (nvcc's macros,
  /// NvccMacros.def), as -D arguments that go before ClangArgs (so that a
  /// -U of the command still wins).
  std::vector<std::string> Predefines;
  /// The language standard (e.g. "c++17"); empty for the compiler's default.
  /// Kept apart from ClangArgs because it applies only to sources of its
  /// language (a C source in the same command keeps clang's default).
  std::string Standard;
  /// GPU architectures for clang's --cuda-gpu-arch (e.g. "sm_90"), in the
  /// order first named, without duplicates. Empty: use the default.
  std::vector<std::string> GpuArchs;
  /// True when the compiler puts the CUDA toolkit's headers on the include
  /// path by itself (nvcc does, for every source), so the analysis must too.
  bool ImplicitCudaIncludePath = false;
  /// What was dropped or replaced, one line each, for --verbose output.
  std::vector<std::string> Notes;
};

/// \p Path, relative to \p Directory unless absolute, as an absolute path
/// without '.' or '..': how vram-check names every file it reports. Names
/// that are no file ("<stdin>", "<command line>") stay as they are.
std::string absolutePath(llvm::StringRef Path, llvm::StringRef Directory);

/// Translates \p Argv (Argv[0] is the compiler) run in \p Directory.
/// Fails with a message that names the offending argument when the command
/// cannot be read (an option missing its value, an unreadable options file).
llvm::Expected<TranslatedCommand>
translateCompilerCommand(llvm::ArrayRef<std::string> Argv,
                         llvm::StringRef Directory);

/// The same for a command known to be nvcc's / gcc's or clang's.
llvm::Expected<TranslatedCommand>
translateNvccCommand(llvm::ArrayRef<std::string> Argv,
                     llvm::StringRef Directory);
llvm::Expected<TranslatedCommand>
translateGnuCommand(llvm::ArrayRef<std::string> Argv, llvm::StringRef Directory,
                    CompilerKind Compiler);

/// gcc's / clang's options (and inputs) read with clang's driver option
/// table, added to \p Result: what clang knows is kept as clang renders it,
/// what only affects outputs, dependency files, warnings-as-errors or linking
/// is dropped, what clang does not know (gcc-only flags) is dropped with a
/// note. One table for gcc and clang command lines and for the host compiler
/// options inside nvcc's (-Xcompiler, -forward-unknown-to-host-compiler).
/// Response files are expanded relative to \p Directory. \p Dialect (gcc
/// or clang) decides what -fopenmp means: gcc's _OPENMP is 201511 (OpenMP
/// 4.5), clang 19's 202011.
llvm::Error translateGnuArguments(llvm::ArrayRef<std::string> Args,
                                  llvm::StringRef Directory,
                                  CompilerKind Dialect,
                                  TranslatedCommand &Result);

/// Splits the value of an nvcc option that takes a list (`-D a,b`), by
/// nvcc 13's rules as `nvcc --dryrun` shows them: commas inside double
/// quotes do not split, and the quotes stay in the item
/// (`Q="a,b"` -> `Q="a,b"`); a backslash takes the next character literally
/// (`a\,b` -> `a,b`, `a\b` -> `ab`); empty items are dropped.
std::vector<std::string> splitNvccList(llvm::StringRef Value);

/// The language of a source file from its extension, or None if the file is
/// not a C, C++ or CUDA source (an object, a library, a linker script).
/// Headers are analysed too, as the language that includes them: .cuh as
/// CUDA, the others (.h, .hpp, ...) as C++.
std::optional<SourceLanguage> languageFromExtension(llvm::StringRef Path);

/// The language a `-x` value names: gcc's and clang's names (c, c++, cuda,
/// their -header and -cpp-output forms, as clang's compile databases write
/// them for headers) and nvcc's (cu). None for any other language.
std::optional<SourceLanguage> languageFromTypeName(llvm::StringRef Name);

/// Maps an nvcc architecture name (sm_90, compute_80, sm_90a, lto_90,
/// native, all) to a GPU architecture clang 19 accepts, or "" if none.
std::string clangGpuArchFor(llvm::StringRef NvccArch);

} // namespace vram_only

#endif
