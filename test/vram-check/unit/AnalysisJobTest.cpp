// Unit tests for the plan of clang runs that analyse one source.

#include "AnalysisJob.h"

#include <gtest/gtest.h>

using namespace vram_only;
using Args = std::vector<std::string>;

namespace {

CudaToolchain testToolchain() {
  CudaToolchain T;
  T.ClangDriver = "/llvm/bin/clang++";
  T.CudaPath = "/cuda";
  T.CompatIncludeDir = "/share/compat";
  T.DefaultGpuArch = "sm_90";
  return T;
}

const Args CudaFlags = {"-x", "cuda", "--cuda-path=/cuda", "-nocudalib",
                        "-isystem", "/share/compat", "-isystem",
                        "/cuda/include/cccl", "-Xclang",
                        "-target-sdk-version=12.5",
                        "-Wno-unknown-cuda-version"};

Args concat(std::initializer_list<Args> Parts) {
  Args All;
  for (const Args &Part : Parts)
    All.insert(All.end(), Part.begin(), Part.end());
  return All;
}

TEST(PlanJobs, CudaSourceGetsAHostJobAndOneDeviceJobPerArchitecture) {
  TranslatedCommand C;
  C.Compiler = CompilerKind::Nvcc;
  C.ClangArgs = {"-DFOO=1"};
  C.Standard = "c++17";
  C.GpuArchs = {"sm_80", "sm_90"};
  C.ImplicitCudaIncludePath = true;
  std::vector<AnalysisJob> Jobs = planJobs(
      C, {"k.cu", SourceLanguage::Cuda}, "/build", testToolchain());
  ASSERT_EQ(Jobs.size(), 3u);
  EXPECT_EQ(Jobs[0].sideName(), "host");
  EXPECT_EQ(Jobs[0].Directory, "/build");
  EXPECT_EQ(Jobs[0].Argv,
            concat({{"/llvm/bin/clang++", "-fsyntax-only"}, CudaFlags,
                    {"--cuda-host-only", "--cuda-gpu-arch=sm_80",
                     "-std=c++17", "-DFOO=1", "-fno-delayed-template-parsing", "k.cu"}}));
  EXPECT_EQ(Jobs[1].sideName(), "device sm_80");
  EXPECT_EQ(Jobs[1].Argv,
            concat({{"/llvm/bin/clang++", "-fsyntax-only"}, CudaFlags,
                    {"--cuda-device-only", "--cuda-gpu-arch=sm_80",
                     "-std=c++17", "-DFOO=1", "-fno-delayed-template-parsing", "k.cu"}}));
  EXPECT_EQ(Jobs[2].sideName(), "device sm_90");
  EXPECT_EQ(Jobs[2].GpuArch, "sm_90");
}

TEST(PlanJobs, CudaSourceWithoutArchitectureUsesTheDefault) {
  TranslatedCommand C;
  std::vector<AnalysisJob> Jobs = planJobs(
      C, {"k.cu", SourceLanguage::Cuda}, "/build", testToolchain());
  ASSERT_EQ(Jobs.size(), 2u);
  EXPECT_EQ(Jobs[1].GpuArch, "sm_90");
}

TEST(PlanJobs, NvccCxxSourceGetsTheToolkitHeadersAsSystemPaths) {
  TranslatedCommand C;
  C.Compiler = CompilerKind::Nvcc;
  C.Standard = "c++17";
  C.ImplicitCudaIncludePath = true;
  std::vector<AnalysisJob> Jobs = planJobs(
      C, {"host.cpp", SourceLanguage::Cxx}, "/build", testToolchain());
  ASSERT_EQ(Jobs.size(), 1u);
  EXPECT_EQ(Jobs[0].sideName(), "");
  EXPECT_EQ(Jobs[0].Argv,
            (Args{"/llvm/bin/clang++", "-fsyntax-only", "-x", "c++",
                  "-std=c++17", "-isystem", "/cuda/include", "-isystem",
                  "/cuda/include/cccl", "-fno-delayed-template-parsing", "host.cpp"}));
}

TEST(PlanJobs, CSourceKeepsClangsDefaultStandardWhenTheCommandNamesCxx) {
  TranslatedCommand C;
  C.Compiler = CompilerKind::Gcc;
  C.Standard = "c++20";
  std::vector<AnalysisJob> Jobs =
      planJobs(C, {"a.c", SourceLanguage::C}, "/build", testToolchain());
  ASSERT_EQ(Jobs.size(), 1u);
  EXPECT_EQ(Jobs[0].Argv, (Args{"/llvm/bin/clang++", "-fsyntax-only", "-x",
                                "c", "-fno-delayed-template-parsing", "a.c"}));
}

} // namespace
