//===- GnuCommandLine.cpp - gcc's and clang's command lines, for clang ----===//
//
// gcc and clang share one command-line syntax, and clang's own option table
// reads it: what clang knows is kept as clang renders it, what only affects
// outputs, dependency files or linking is dropped, and what clang does not
// know (gcc-only flags) is dropped with a note instead of failing the parse.
//
//===----------------------------------------------------------------------===//

#include "CompilerCommand.h"

#include "clang/Driver/Options.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/StringSaver.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace vram_only {
namespace {

namespace opts = clang::driver::options;

/// Options that only say where outputs go, what kind of output to make, or
/// how to link: dropped, since the analysis makes no output.
bool isOutputOrLinkOption(const llvm::opt::Option &Option) {
  static const llvm::opt::OptSpecifier Dropped[] = {
      opts::OPT_o,          opts::OPT_c,       opts::OPT_S,
      opts::OPT_E,          opts::OPT_M,       opts::OPT_MM,
      opts::OPT_MD,         opts::OPT_MMD,     opts::OPT_MF,
      opts::OPT_MT,         opts::OPT_MQ,      opts::OPT_MP,
      opts::OPT_MG,         opts::OPT_MV,      opts::OPT_fsyntax_only,
      opts::OPT_l,          opts::OPT_L,       opts::OPT_Wl_COMMA,
      opts::OPT_Xlinker,    opts::OPT_shared,  opts::OPT_static,
      opts::OPT_rdynamic,   opts::OPT_pipe,    opts::OPT_save_temps,
      opts::OPT_save_temps_EQ, opts::OPT_cuda_path_EQ, opts::OPT_emit_llvm,
  };
  return llvm::any_of(Dropped, [&](llvm::opt::OptSpecifier Id) {
    return Option.matches(Id);
  });
}

/// -Werror and friends: warnings are not the analysis' business, and clang
/// warns about other things than gcc does.
bool turnsWarningsIntoErrors(const llvm::opt::Arg &A) {
  llvm::StringRef Spelling = A.getSpelling();
  if (Spelling == "-pedantic-errors")
    return true;
  if (Spelling == "-Werror")
    return true;
  return A.getOption().matches(opts::OPT_W_Joined) && A.getNumValues() > 0 &&
         llvm::StringRef(A.getValue()).starts_with("error");
}

} // namespace

llvm::Error translateGnuArguments(llvm::ArrayRef<std::string> Argv,
                                  llvm::StringRef Directory,
                                  CompilerKind Dialect,
                                  TranslatedCommand &Result) {
  // Expand @response files relative to the command's directory.
  llvm::BumpPtrAllocator Alloc;
  llvm::StringSaver Saver(Alloc);
  llvm::SmallVector<const char *, 64> Args;
  for (const std::string &Arg : Argv)
    Args.push_back(Saver.save(Arg).data());
  llvm::cl::ExpansionContext Expander(Alloc, llvm::cl::TokenizeGNUCommandLine);
  Expander.setCurrentDir(Directory);
  if (llvm::Error E = Expander.expandResponseFiles(Args))
    return E;
  // The expansion leaves a response file that does not exist as it is (gcc
  // then fails on it): its options are unknown, so is what the compile
  // means.
  for (const char *Arg : Args)
    if (Arg[0] == '@')
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "%s reads options from '%s', which does not exist",
          compilerKindName(Dialect).data(), Arg + 1);

  const llvm::opt::OptTable &Table = clang::driver::getDriverOptTable();
  unsigned MissingIndex = 0, MissingCount = 0;
  llvm::opt::InputArgList Parsed =
      Table.ParseArgs(Args, MissingIndex, MissingCount,
                      llvm::opt::Visibility(opts::ClangOption));
  if (MissingCount)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s option '%s' expects a value", compilerKindName(Dialect).data(),
        Parsed.getArgString(MissingIndex));

  std::optional<SourceLanguage> DashX;
  auto AddInput = [&](llvm::StringRef Input) {
    // -x applies to the inputs after it, whatever their extension ("-" is
    // standard input).
    std::optional<SourceLanguage> Language =
        DashX ? DashX : languageFromExtension(Input);
    if (Language)
      Result.Sources.push_back({Input.str(), *Language});
  };
  for (const llvm::opt::Arg *A : Parsed) {
    const llvm::opt::Option &Option = A->getOption();
    if (Option.matches(opts::OPT_INPUT)) {
      AddInput(A->getValue());
      continue;
    }
    // Everything after "--" is an input (compile databases write commands
    // for files they do not list so).
    if (Option.matches(opts::OPT__DASH_DASH)) {
      for (const char *Input : A->getValues())
        AddInput(Input);
      continue;
    }
    if (Option.matches(opts::OPT_x)) {
      DashX = languageFromTypeName(A->getValue());
      if (!DashX && llvm::StringRef(A->getValue()) != "none")
        Result.Notes.push_back("sources after '-x " + std::string(A->getValue()) +
                               "' are not C, C++ or CUDA: not analysed");
      continue;
    }
    if (Option.matches(opts::OPT_UNKNOWN)) {
      Result.Notes.push_back("ignored option unknown to clang '" +
                             A->getAsString(Parsed) + "'");
      continue;
    }
    if (Option.matches(opts::OPT_offload_arch_EQ)) {
      for (const char *Value : A->getValues()) {
        std::string Arch = clangGpuArchFor(Value);
        if (!Arch.empty() && !llvm::is_contained(Result.GpuArchs, Arch))
          Result.GpuArchs.push_back(Arch);
      }
      continue;
    }
    if (Option.matches(opts::OPT_std_EQ)) {
      Result.Standard = A->getValue();
      continue;
    }
    // The job plan adds the host/device selection and the CUDA 13 flags.
    if (Option.matches(opts::OPT_cuda_host_only) ||
        Option.matches(opts::OPT_cuda_device_only) ||
        Option.matches(opts::OPT_offload_host_only) ||
        Option.matches(opts::OPT_offload_device_only))
      continue;
    if (isOutputOrLinkOption(Option) || turnsWarningsIntoErrors(*A)) {
      Result.Notes.push_back("ignored option '" + A->getAsString(Parsed) + "'");
      continue;
    }
    llvm::opt::ArgStringList Rendered;
    A->render(Parsed, Rendered);
    for (const char *S : Rendered)
      Result.ClangArgs.push_back(S);
  }
  // gcc's -fopenmp defines _OPENMP as 201511 (OpenMP 4.5); clang's omp.h
  // (libomp-19-dev) serves both.
  if (Dialect == CompilerKind::Gcc && Parsed.hasArg(opts::OPT_fopenmp) &&
      !Parsed.hasArg(opts::OPT_fopenmp_version_EQ))
    Result.ClangArgs.push_back("-fopenmp-version=45");
  return llvm::Error::success();
}

llvm::Expected<TranslatedCommand>
translateGnuCommand(llvm::ArrayRef<std::string> Argv, llvm::StringRef Directory,
                    CompilerKind Compiler) {
  TranslatedCommand Result;
  Result.Compiler = Compiler;
  if (llvm::Error E =
          translateGnuArguments(Argv.drop_front(), Directory, Compiler, Result))
    return std::move(E);
  return Result;
}

} // namespace vram_only
