//===- AnalysisJob.cpp - The clang runs that analyse one source -----------===//

#include "AnalysisJob.h"

#include "VramCheckConfig.h"

#include "clang/Tooling/ArgumentsAdjusters.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

namespace vram_only {

CudaToolchain CudaToolchain::fromInstallation(const char *Argv0) {
  CudaToolchain Toolchain;
  Toolchain.ClangDriver = VRAM_ONLY_CLANG_DRIVER;
  Toolchain.CudaPath = VRAM_ONLY_CUDA_PATH;
  Toolchain.DefaultGpuArch = VRAM_ONLY_DEFAULT_GPU_ARCH;
  // <prefix>/bin/vram-check -> <prefix>/share/vram-only/compat/cuda13, in
  // the build tree and in an installation alike.
  std::string Exe = llvm::sys::fs::getMainExecutable(
      Argv0, reinterpret_cast<void *>(&CudaToolchain::fromInstallation));
  llvm::SmallString<256> Dir(llvm::sys::path::parent_path(
      llvm::sys::path::parent_path(Exe)));
  llvm::sys::path::append(Dir, VRAM_ONLY_COMPAT_RELATIVE_DIR);
  Toolchain.CompatIncludeDir = std::string(Dir);
  return Toolchain;
}

std::vector<std::string> CudaToolchain::cudaFlags() const {
  // Written once, in compat/cuda13/clang-flags.txt (docs/analysis.md says
  // why each is needed); the lit suite and the docs use the same file.
  static const char *const Flags[] = {VRAM_ONLY_CUDA13_CLANG_FLAGS};
  std::vector<std::string> Result;
  for (llvm::StringRef Flag : Flags) {
    std::string Text;
    while (!Flag.empty()) {
      if (Flag.consume_front("{cuda_path}"))
        Text += CudaPath;
      else if (Flag.consume_front("{compat_dir}"))
        Text += CompatIncludeDir;
      else {
        Text += Flag.front();
        Flag = Flag.drop_front();
      }
    }
    Result.push_back(std::move(Text));
  }
  return Result;
}

std::string AnalysisJob::sideName() const {
  switch (Side) {
  case JobSide::Host:
    return "host";
  case JobSide::Device:
    return "device " + GpuArch;
  case JobSide::Plain:
    break;
  }
  return "";
}

static bool standardFits(llvm::StringRef Standard, SourceLanguage Language) {
  if (Standard.empty())
    return false;
  bool Cxx = Standard.contains("++");
  return Language == SourceLanguage::C ? !Cxx : Cxx;
}

std::vector<AnalysisJob> planJobs(const TranslatedCommand &Command,
                                  const SourceInput &Source,
                                  llvm::StringRef Directory,
                                  const CudaToolchain &Toolchain) {
  using namespace clang::tooling;
  auto MakeJob = [&](JobSide Side, llvm::StringRef Arch) {
    // After the driver: what selects the language, the side and the
    // standard; after the command's own arguments: what must win over them.
    CommandLineArguments First{"-fsyntax-only"};
    switch (Source.Language) {
    case SourceLanguage::Cuda:
      llvm::append_range(First, Toolchain.cudaFlags());
      First.push_back(Side == JobSide::Host ? "--cuda-host-only"
                                            : "--cuda-device-only");
      First.push_back("--cuda-gpu-arch=" + Arch.str());
      break;
    case SourceLanguage::Cxx:
      First.insert(First.end(), {"-x", "c++"});
      break;
    case SourceLanguage::C:
      First.insert(First.end(), {"-x", "c"});
      break;
    }
    if (standardFits(Command.Standard, Source.Language))
      First.push_back("-std=" + Command.Standard);
    CommandLineArguments Last;
    if (Command.ImplicitCudaIncludePath &&
        Source.Language != SourceLanguage::Cuda)
      // As nvcc.profile does (system paths: CUDA's headers are not the
      // user's code).
      Last = {"-isystem", Toolchain.CudaPath + "/include", "-isystem",
              Toolchain.CudaPath + "/include/cccl"};
    // Whatever the command says (clang reads the last of a flag and its
    // -fno- form): a template body that is never parsed is never checked.
    Last.push_back("-fno-delayed-template-parsing");
    ArgumentsAdjuster Adjust = combineAdjusters(
        getInsertArgumentAdjuster(First, ArgumentInsertPosition::BEGIN),
        getInsertArgumentAdjuster(Last, ArgumentInsertPosition::END));

    AnalysisJob Job{Source.Path, Directory.str(), Side, Arch.str(),
                    {Toolchain.ClangDriver}};
    llvm::append_range(Job.Argv, Command.Predefines);
    llvm::append_range(Job.Argv, Command.ClangArgs);
    Job.Argv = Adjust(Job.Argv, Source.Path);
    Job.Argv.push_back(Source.Path);
    return Job;
  };

  std::vector<AnalysisJob> Jobs;
  if (Source.Language != SourceLanguage::Cuda) {
    Jobs.push_back(MakeJob(JobSide::Plain, ""));
    return Jobs;
  }
  std::vector<std::string> Archs = Command.GpuArchs;
  if (Archs.empty())
    Archs.push_back(Toolchain.DefaultGpuArch);
  Jobs.push_back(MakeJob(JobSide::Host, Archs.front()));
  for (const std::string &Arch : Archs)
    Jobs.push_back(MakeJob(JobSide::Device, Arch));
  return Jobs;
}

void writeCompileDatabase(llvm::ArrayRef<AnalysisJob> Jobs,
                          llvm::raw_ostream &OS) {
  llvm::json::OStream J(OS, /*IndentSize=*/2);
  J.array([&] {
    for (const AnalysisJob &Job : Jobs)
      J.object([&] {
        J.attribute("directory", Job.Directory);
        J.attribute("file", Job.Source);
        J.attributeArray("arguments", [&] {
          for (const std::string &Arg : Job.Argv)
            J.value(Arg);
        });
      });
  });
  OS << '\n';
}

} // namespace vram_only
