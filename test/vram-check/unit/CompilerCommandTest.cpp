// Unit tests for the translation of nvcc, gcc and clang command lines into
// the clang arguments vram-check analyses with.

#include "CompilerCommand.h"
#include "VramCheckConfig.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace vram_only;
using Args = std::vector<std::string>;

namespace {

TranslatedCommand translate(const Args &Argv, llvm::StringRef Dir = "/build") {
  llvm::Expected<TranslatedCommand> Result =
      translateCompilerCommand(Argv, Dir);
  if (!Result) {
    ADD_FAILURE() << llvm::toString(Result.takeError());
    return {};
  }
  return std::move(*Result);
}

std::string translateError(const Args &Argv, llvm::StringRef Dir = "/build") {
  llvm::Expected<TranslatedCommand> Result =
      translateCompilerCommand(Argv, Dir);
  if (Result)
    return "(no error)";
  return llvm::toString(Result.takeError());
}

TEST(DetectCompilerKind, RecognisesCompilersByExecutableName) {
  EXPECT_EQ(detectCompilerKind("/usr/local/cuda/bin/nvcc"), CompilerKind::Nvcc);
  EXPECT_EQ(detectCompilerKind("nvcc"), CompilerKind::Nvcc);
  EXPECT_EQ(detectCompilerKind("/usr/bin/g++"), CompilerKind::Gcc);
  EXPECT_EQ(detectCompilerKind("g++-12"), CompilerKind::Gcc);
  EXPECT_EQ(detectCompilerKind("x86_64-linux-gnu-gcc-12"), CompilerKind::Gcc);
  EXPECT_EQ(detectCompilerKind("/usr/bin/c++"), CompilerKind::Gcc);
  EXPECT_EQ(detectCompilerKind("cc"), CompilerKind::Gcc);
  EXPECT_EQ(detectCompilerKind("/usr/lib/llvm-19/bin/clang++"),
            CompilerKind::Clang);
  EXPECT_EQ(detectCompilerKind("clang-19"), CompilerKind::Clang);
  EXPECT_EQ(detectCompilerKind("/usr/bin/ccache"), CompilerKind::Unknown);
  EXPECT_EQ(detectCompilerKind("ld"), CompilerKind::Unknown);
}

TEST(ClangGpuArchFor, MapsNvccArchitectures) {
  EXPECT_EQ(clangGpuArchFor("sm_90"), "sm_90");
  EXPECT_EQ(clangGpuArchFor("compute_80"), "sm_80");
  EXPECT_EQ(clangGpuArchFor("lto_89"), "sm_89");
  EXPECT_EQ(clangGpuArchFor("sm_90a"), "sm_90a");
  // Newer than clang 19 knows: parsed as the newest it knows.
  EXPECT_EQ(clangGpuArchFor("sm_100"), "sm_90");
  EXPECT_EQ(clangGpuArchFor("sm_120a"), "sm_90");
  EXPECT_EQ(clangGpuArchFor("native"), "");
  EXPECT_EQ(clangGpuArchFor("all-major"), "");
  EXPECT_EQ(clangGpuArchFor("sm_"), "");
}

// The command CMake 3.25 writes into compile_commands.json for an nvcc
// target (CUDA_ARCHITECTURES 80;90, separable compilation, PIC).
TEST(NvccCommand, PredefinesOnlyWhatItsOptionsTurnOn) {
  TranslatedCommand C = translate({"nvcc", "-rdc=false", "-c", "k.cu"});
  EXPECT_EQ(llvm::count(C.Predefines, "-D__NVCC_DIAG_PRAGMA_SUPPORT__=1"), 1);
  EXPECT_EQ(llvm::count(C.Predefines, "-D__CUDACC_RDC__"), 0);
  EXPECT_EQ(llvm::count(C.Predefines, "-D__CUDACC_EXTENDED_LAMBDA__"), 0);
  TranslatedCommand Dc = translate({"nvcc", "-dc", "k.cu"});
  EXPECT_EQ(llvm::count(Dc.Predefines, "-D__CUDACC_RDC__"), 1);
  TranslatedCommand Gcc = translate({"g++", "-c", "a.cpp"});
  EXPECT_TRUE(Gcc.Predefines.empty());
}

TEST(NvccCommand, TranslatesCMakeGeneratedCommand) {
  TranslatedCommand C = translate(
      {"/usr/local/cuda/bin/nvcc", "-forward-unknown-to-host-compiler",
       "-DBAR=\"x y\"", "-DFOO=1", "-I/src/inc", "-isystem=/src/sys",
       "--generate-code=arch=compute_80,code=[compute_80,sm_80]",
       "--generate-code=arch=compute_90,code=[compute_90,sm_90]",
       "-Xcompiler=-fPIC", "--expt-relaxed-constexpr", "--extended-lambda",
       "-Xcompiler=-Wall,-Wextra", "--use_fast_math", "-std=c++20", "-x", "cu",
       "-rdc=true", "-c", "/src/k.cu", "-o", "CMakeFiles/k.dir/k.cu.o"});
  EXPECT_EQ(C.Compiler, CompilerKind::Nvcc);
  EXPECT_EQ(C.ClangArgs, (Args{"-DBAR=\"x y\"", "-DFOO=1", "-I/src/inc",
                               "-isystem", "/src/sys", "-fPIC", "-Wall",
                               "-Wextra"}));
  // nvcc's predefined macros, by the modes -rdc=true, --extended-lambda and
  // --expt-relaxed-constexpr turn on (NvccMacros.def).
  EXPECT_EQ(C.Predefines,
            (Args{"-D__CUDACC_VER_MAJOR__=" VRAM_ONLY_NVCC_VERSION_MAJOR,
                  "-D__CUDACC_VER_MINOR__=" VRAM_ONLY_NVCC_VERSION_MINOR,
                  "-D__CUDACC_VER_BUILD__=" VRAM_ONLY_NVCC_VERSION_BUILD,
                  "-D__NVCC_DIAG_PRAGMA_SUPPORT__=1", "-D__CUDACC_RDC__",
                  "-D__CUDACC_EXTENDED_LAMBDA__",
                  "-D__CUDACC_RELAXED_CONSTEXPR__"}));
  EXPECT_EQ(C.Standard, "c++20");
  EXPECT_EQ(C.GpuArchs, (Args{"sm_80", "sm_90"}));
  ASSERT_EQ(C.Sources.size(), 1u);
  EXPECT_EQ(C.Sources[0].Path, "/src/k.cu");
  EXPECT_EQ(C.Sources[0].Language, SourceLanguage::Cuda);
  EXPECT_TRUE(C.ImplicitCudaIncludePath);
  // The object file is an output, not an input.
  for (const std::string &Note : C.Notes)
    EXPECT_EQ(Note.find("k.cu.o'"), std::string::npos) << Note;
}

TEST(NvccCommand, AcceptsEveryValueSpelling) {
  TranslatedCommand C = translate(
      {"nvcc", "--define-macro", "A=1,B", "-D", "C", "--include-path=inc1",
       "-Iinc2", "-I", "inc3", "--system-include", "sys1", "-isystem", "sys2",
       "--pre-include", "pre.h", "-include=pre2.h", "-U", "NDEBUG", "-O3",
       "--optimize", "2", "-ccbin", "/usr/bin/g++-12", "-MD", "-MT", "obj.o",
       "-MF", "obj.d", "--threads", "4", "-c", "a.cu"});
  EXPECT_EQ(C.ClangArgs,
            (Args{"-DA=1", "-DB", "-DC", "-Iinc1", "-Iinc2", "-Iinc3",
                  "-isystem", "sys1", "-isystem", "sys2", "-include", "pre.h",
                  "-include", "pre2.h", "-UNDEBUG", "-O3", "-O2"}));
  ASSERT_EQ(C.Sources.size(), 1u);
  EXPECT_EQ(C.Sources[0].Path, "a.cu");
}

TEST(NvccCommand, ReadsArchitecturesFromArchCodeAndGencode) {
  TranslatedCommand C =
      translate({"nvcc", "-arch=sm_86", "-gencode",
                 "arch=compute_90,code=\"sm_90,compute_90\"", "-code=sm_86",
                 "--gpu-architecture", "compute_75", "-c", "a.cu"});
  EXPECT_EQ(C.GpuArchs, (Args{"sm_86", "sm_90", "sm_75"}));
}

TEST(NvccCommand, NewerArchitectureIsParsedAsNewestKnownWithNote) {
  TranslatedCommand C = translate({"nvcc", "-arch=sm_100", "-c", "a.cu"});
  EXPECT_EQ(C.GpuArchs, (Args{"sm_90"}));
  EXPECT_NE(std::find(C.Notes.begin(), C.Notes.end(),
                      "GPU architecture 'sm_100' parsed as sm_90"),
            C.Notes.end());
}

TEST(NvccCommand, HostCompilerOptionsAreReadAsGccReadsThem) {
  // One option table (clang's driver table) for gcc's command lines and
  // for -Xcompiler: joined and separate forms alike, -fopenmp with gcc's
  // _OPENMP (4.5), -Werror dropped.
  TranslatedCommand C = translate(
      {"nvcc", "-Xcompiler", "-fopenmp,-DHOST=1,-isystem,/h,-isystem/j",
       "-Xcompiler=-include=f.h,-Uold,-I/i,-Werror,-march=native",
       "--compiler-options=-std=c++17 -pthread", "-c", "a.cu"});
  EXPECT_EQ(C.ClangArgs,
            (Args{"-fopenmp", "-D", "HOST=1", "-isystem", "/h", "-isystem",
                  "/j", "-fopenmp-version=45", "-include", "=f.h", "-U", "old",
                  "-I", "/i", "-march=native", "-pthread"}));
  EXPECT_EQ(C.Standard, "c++17");
  EXPECT_NE(std::find(C.Notes.begin(), C.Notes.end(),
                      "host compiler options: ignored option '-Werror'"),
            C.Notes.end());
}

TEST(NvccCommand, HostCompilerOptionsAreSplitAsNvccsShellDoes) {
  // nvcc joins the list items with spaces for a shell: one -Xcompiler
  // "-Wall -DA=1" is two options, a quoted item keeps its space.
  TranslatedCommand C = translate(
      {"nvcc", "-Xcompiler", "-DA=1 -DB=2", "-Xcompiler", "-DC=\"x y\",-DD",
       "-c", "a.cu"});
  EXPECT_EQ(C.ClangArgs,
            (Args{"-D", "A=1", "-D", "B=2", "-D", "C=x y", "-D", "D"}));
}

TEST(SplitNvccList, FollowsNvccsQuotesAndEscapes) {
  // Each case as `nvcc --dryrun -D<value>` passes it to the host compiler.
  EXPECT_EQ(splitNvccList("X=1,Y=2"), (Args{"X=1", "Y=2"}));
  EXPECT_EQ(splitNvccList("Q=\"a-b,c-d\""), (Args{"Q=\"a-b,c-d\""}));
  EXPECT_EQ(splitNvccList("A=x\"y,z\""), (Args{"A=x\"y,z\""}));
  EXPECT_EQ(splitNvccList("A=\"x,y\"z,w"), (Args{"A=\"x,y\"z", "w"}));
  EXPECT_EQ(splitNvccList("Z=a\\,b"), (Args{"Z=a,b"}));
  EXPECT_EQ(splitNvccList("A=a\\b"), (Args{"A=ab"}));
  EXPECT_EQ(splitNvccList("A=a\\\\b"), (Args{"A=a\\b"}));
  EXPECT_EQ(splitNvccList("W='p,q'"), (Args{"W='p", "q'"}));
  EXPECT_EQ(splitNvccList("A=,B"), (Args{"A=", "B"}));
  EXPECT_EQ(splitNvccList("A=1,,B=2"), (Args{"A=1", "B=2"}));
}

TEST(NvccCommand, QuotedDefineWithCommasStaysOneMacro) {
  // llama.cpp's GGML_CUDA_FA_QUANTS: split at the commas it became
  // -Df16-f16 and friends, and every CUDA file failed to parse.
  TranslatedCommand C = translate(
      {"nvcc", "-DGGML_CUDA_FA_QUANTS=\"q4_0-q4_0,q8_0-q8_0,f16-f16\"",
       "-DX=1,Y=2", "-I/a,/b", "-c", "a.cu"});
  EXPECT_EQ(C.ClangArgs,
            (Args{"-DGGML_CUDA_FA_QUANTS=\"q4_0-q4_0,q8_0-q8_0,f16-f16\"",
                  "-DX=1", "-DY=2", "-I/a", "-I/b"}));
}

TEST(NvccCommand, DashXAppliesToEveryExtensionAndStandardInput) {
  TranslatedCommand C = translate(
      {"nvcc", "-x", "cu", "-c", "kernels.cuh", "notes.txt", "-", "lib.a",
       "-o", "k.o"});
  ASSERT_EQ(C.Sources.size(), 3u);
  EXPECT_EQ(C.Sources[0].Path, "kernels.cuh");
  EXPECT_EQ(C.Sources[1].Path, "notes.txt");
  EXPECT_EQ(C.Sources[2].Path, "-");
  for (const SourceInput &S : C.Sources)
    EXPECT_EQ(S.Language, SourceLanguage::Cuda);
}

TEST(GnuCommand, OpenMPDefinesGccsVersionForGccOnly) {
  TranslatedCommand Gcc = translate({"g++", "-fopenmp", "-c", "a.cpp"});
  EXPECT_EQ(Gcc.ClangArgs, (Args{"-fopenmp", "-fopenmp-version=45"}));
  TranslatedCommand Clang = translate({"clang++", "-fopenmp", "-c", "a.cpp"});
  EXPECT_EQ(Clang.ClangArgs, (Args{"-fopenmp"}));
}

TEST(NvccCommand, UnknownOptionsGoToTheHostCompilerOnlyWhenForwarded) {
  TranslatedCommand Forwarded = translate(
      {"nvcc", "-forward-unknown-to-host-compiler", "-fno-rtti", "-Wall",
       "-c", "a.cu"});
  EXPECT_EQ(Forwarded.ClangArgs, (Args{"-fno-rtti", "-Wall"}));

  TranslatedCommand NotForwarded =
      translate({"nvcc", "-fno-rtti", "-c", "a.cu"});
  EXPECT_TRUE(NotForwarded.ClangArgs.empty());
  EXPECT_NE(std::find(NotForwarded.Notes.begin(), NotForwarded.Notes.end(),
                      "ignored unknown nvcc option '-fno-rtti'"),
            NotForwarded.Notes.end());
}

TEST(NvccCommand, MapsLanguageDefaultStreamAndOtherParseOptions) {
  TranslatedCommand C = translate(
      {"nvcc", "-x", "cu", "--default-stream", "per-thread", "-noeh",
       "-ftemplate-depth=512", "--machine=64", "-c", "kernel.cpp", "lib.a"});
  EXPECT_EQ(C.ClangArgs,
            (Args{"-fgpu-default-stream=per-thread", "-fno-exceptions",
                  "-ftemplate-depth=512", "-m64"}));
  ASSERT_EQ(C.Sources.size(), 1u);
  EXPECT_EQ(C.Sources[0].Path, "kernel.cpp");
  EXPECT_EQ(C.Sources[0].Language, SourceLanguage::Cuda);
}

TEST(NvccCommand, CppSourceWithoutDashXIsPlainCxx) {
  TranslatedCommand C = translate({"nvcc", "-c", "host.cpp", "-o", "host.o"});
  ASSERT_EQ(C.Sources.size(), 1u);
  EXPECT_EQ(C.Sources[0].Language, SourceLanguage::Cxx);
}

TEST(NvccCommand, ReadsOptionsFilesRelativeToTheDirectory) {
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vram-check-optf", Dir));
  {
    std::error_code EC;
    llvm::raw_fd_ostream Out((Dir + "/includes_CUDA.rsp").str(), EC);
    ASSERT_FALSE(EC);
    Out << "-I/src/inc \"-I/src/with space\" -isystem=/src/sys\n";
  }
  TranslatedCommand C = translate(
      {"nvcc", "--options-file", "includes_CUDA.rsp", "-c", "a.cu"}, Dir);
  EXPECT_EQ(C.ClangArgs, (Args{"-I/src/inc", "-I/src/with space", "-isystem",
                               "/src/sys"}));
  llvm::sys::fs::remove_directories(Dir);
}

TEST(NvccCommand, ReportsUnreadableCommands) {
  EXPECT_EQ(translateError({"nvcc", "-c", "a.cu", "-o"}),
            "nvcc option '-o' expects a value");
  EXPECT_EQ(translateError({"nvcc", "-x", "fortran", "a.f"}),
            "nvcc option '-x' has unknown language 'fortran' (nvcc accepts c, "
            "c++ and cu)");
  EXPECT_EQ(translateError({"nvcc", "--default-stream=sometimes", "a.cu"}),
            "nvcc option '--default-stream=sometimes' has unknown value "
            "'sometimes' (legacy, null or per-thread)");
  EXPECT_EQ(translateError({"nvcc", "--use_fast_math=1", "a.cu"}),
            "nvcc option '--use_fast_math=1' takes no value");
  std::string Missing =
      translateError({"nvcc", "-optf", "/nonexistent/x.rsp", "a.cu"});
  EXPECT_EQ(Missing.rfind("cannot read nvcc options file '/nonexistent/x.rsp': ", 0),
            0u)
      << Missing;
  EXPECT_EQ(translateError({"ld", "a.o"}),
            "unsupported compiler 'ld' (vram-check reads nvcc, gcc, g++, cc, "
            "c++, clang and clang++ command lines)");
  EXPECT_EQ(translateError({}), "empty compile command");
}

TEST(GnuCommand, KeepsWhatClangKnowsAndDropsOutputsAndGccOnlyFlags) {
  TranslatedCommand C = translate(
      {"/usr/bin/g++", "-DNDEBUG", "-I/src/include", "-isystem", "/opt/x",
       "-O2", "-g", "-std=gnu++17", "-fPIC", "-fno-var-tracking-assignments",
       "-fconcepts-diagnostics-depth=3", "-Wall", "-MD", "-MT", "a.o", "-MF", "a.o.d", "-o", "a.o", "-c",
       "/src/a.cpp"});
  EXPECT_EQ(C.Compiler, CompilerKind::Gcc);
  EXPECT_EQ(C.Standard, "gnu++17");
  EXPECT_EQ(C.ClangArgs, (Args{"-D", "NDEBUG", "-I", "/src/include",
                               "-isystem", "/opt/x", "-O2", "-g", "-fPIC",
                               "-Wall"}));
  ASSERT_EQ(C.Sources.size(), 1u);
  EXPECT_EQ(C.Sources[0].Path, "/src/a.cpp");
  EXPECT_EQ(C.Sources[0].Language, SourceLanguage::Cxx);
  EXPECT_FALSE(C.ImplicitCudaIncludePath);
  EXPECT_NE(std::find(C.Notes.begin(), C.Notes.end(),
                      "ignored option unknown to clang "
                      "'-fno-var-tracking-assignments'"),
            C.Notes.end());
  EXPECT_NE(std::find(C.Notes.begin(), C.Notes.end(),
                      "ignored option unknown to clang "
                      "'-fconcepts-diagnostics-depth=3'"),
            C.Notes.end());
}

TEST(GnuCommand, ClangCudaCommandKeepsItsArchitectures) {
  TranslatedCommand C = translate(
      {"clang++-19", "-x", "cuda", "--cuda-gpu-arch=sm_80",
       "--offload-arch=sm_90", "--cuda-path=/opt/cuda", "-c", "k.cu",
       "-o", "k.o"});
  EXPECT_EQ(C.Compiler, CompilerKind::Clang);
  EXPECT_EQ(C.GpuArchs, (Args{"sm_80", "sm_90"}));
  EXPECT_TRUE(C.ClangArgs.empty());
  ASSERT_EQ(C.Sources.size(), 1u);
  EXPECT_EQ(C.Sources[0].Language, SourceLanguage::Cuda);
}

TEST(GnuCommand, DashXAppliesToTheInputsAfterIt) {
  TranslatedCommand C =
      translate({"gcc", "a.c", "-x", "c++", "b.inc", "-x", "none", "c.c"});
  ASSERT_EQ(C.Sources.size(), 3u);
  EXPECT_EQ(C.Sources[0].Path, "a.c");
  EXPECT_EQ(C.Sources[0].Language, SourceLanguage::C);
  EXPECT_EQ(C.Sources[1].Path, "b.inc");
  EXPECT_EQ(C.Sources[1].Language, SourceLanguage::Cxx);
  EXPECT_EQ(C.Sources[2].Path, "c.c");
  EXPECT_EQ(C.Sources[2].Language, SourceLanguage::C);
}

TEST(GnuCommand, ReportsAMissingValue) {
  EXPECT_EQ(translateError({"g++", "-c", "a.cpp", "-o"}),
            "gcc option '-o' expects a value");
}

} // namespace
