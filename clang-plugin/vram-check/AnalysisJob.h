//===- AnalysisJob.h - The clang runs that analyse one source -------------===//
//
// A CUDA source is two programs: the host side and one device side per GPU
// architecture, each seeing different code (__CUDA_ARCH__, host/device
// overloads). vram-check analyses every side and merges the findings; a C
// or C++ source is one run.
//
// Clang 19 predates CUDA 13 and needs a few flags to parse its headers (see
// docs/analysis.md and CudaToolchain below); they are added here so the
// build's own command lines work unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef VRAM_ONLY_VRAM_CHECK_ANALYSISJOB_H
#define VRAM_ONLY_VRAM_CHECK_ANALYSISJOB_H

#include "CompilerCommand.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace vram_only {

/// Where clang 19 finds what it needs to parse CUDA 13 sources.
struct CudaToolchain {
  /// The clang driver whose resource directory (builtin headers, CUDA
  /// wrapper headers) the analysis uses.
  std::string ClangDriver;
  /// The CUDA toolkit (--cuda-path).
  std::string CudaPath;
  /// The directory of the CUDA 13 compatibility stub headers.
  std::string CompatIncludeDir;
  /// The GPU architecture used when the command names none.
  std::string DefaultGpuArch;

  /// The toolchain vram-check was built with, the compatibility headers
  /// found next to the executable (../share/vram-only/compat/cuda13).
  static CudaToolchain fromInstallation(const char *Argv0);

  /// Flags that make clang 19 parse a CUDA 13 source (without the side and
  /// architecture selection).
  std::vector<std::string> cudaFlags() const;
};

enum class JobSide { Host, Device, Plain };

struct AnalysisJob {
  std::string Source;    ///< the source file, as the command names it
  std::string Directory; ///< the command's working directory
  JobSide Side = JobSide::Plain;
  std::string GpuArch;           ///< for device jobs
  std::vector<std::string> Argv; ///< a clang -fsyntax-only command line
  /// The project's source root (absolute), whose files are reported even
  /// when the compiler takes them for system headers; empty: none.
  std::string ProjectRoot;

  /// "host", "device sm_90" or "" (for --verbose and error messages).
  std::string sideName() const;
};

/// One source of one compile command, to be analysed.
struct SourceTask {
  TranslatedCommand Command;
  SourceInput Source;    ///< its path absolute (absolutePath)
  std::string Directory; ///< the command's working directory
};

/// The runs that analyse \p Source of \p Command.
std::vector<AnalysisJob> planJobs(const TranslatedCommand &Command,
                                  const SourceInput &Source,
                                  llvm::StringRef Directory,
                                  const CudaToolchain &Toolchain);

/// \p Jobs as a compile database (compile_commands.json: directory, file,
/// arguments), the form clang-tidy and clang's tools read.
void writeCompileDatabase(llvm::ArrayRef<AnalysisJob> Jobs,
                          llvm::raw_ostream &OS);

} // namespace vram_only

#endif
