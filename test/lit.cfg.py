# The lit suite of the analysis: clang-tidy module tests (tidy/), and next to
# them the compiler plugin's and vram-check's tests. Run through CTest, or:
#   /usr/lib/llvm-19/build/utils/lit/lit.py -sv build/test
import os
import sys

import lit.formats

config.name = "vram-only"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".cu", ".cpp", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.vram_only_obj_root, "test")

# Only these directories hold lit tests; the rest of test/ (GoogleTest
# sources, CMake consumer projects...) is not for lit. Inputs/ directories
# hold headers and fixtures that tests include.
lit_test_dirs = ["tidy", "plugin", "vram-check"]
config.excludes = [entry for entry in os.listdir(config.test_source_root)
                   if entry not in lit_test_dirs] + ["Inputs"]

# vram-check --launcher remembers clean analyses (AnalysisCache.h): in the
# test tree, never in the user's own cache.
config.environment["VRAM_CHECK_CACHE_DIR"] = os.path.join(
    config.test_exec_root, "vram-check-cache")

# FileCheck, not, count, split-file come from llvm-19-tools.
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", "")])

# How .cu files are parsed by clang 19 against CUDA 13 (docs/analysis.md):
# the flags of clang-plugin/compat/cuda13/clang-flags.txt, which vram-check
# compiles in and the docs show, plus the standard and the GPU architecture.
# Host side and device side are separate runs.
def read_cuda13_flags(path):
    with open(path) as flags_file:
        return [line.strip()
                .replace("{cuda_path}", config.cuda_path)
                .replace("{compat_dir}", config.cuda13_compat_dir)
                for line in flags_file
                if line.strip() and not line.startswith("#")]


cuda_flags = read_cuda13_flags(config.cuda13_clang_flags_file) + [
    "-std=c++17", "--cuda-gpu-arch=sm_90"]
# .cpp files include the toolkit with -I, as most builds do: clang then does
# not treat CUDA's headers as system headers.
cuda_cxx_flags = [
    "-x", "c++", "-std=c++17",
    "-I" + os.path.join(config.cuda_path, "include"),
    "-I" + os.path.join(config.cuda_path, "include", "cccl"),
]

# %clang_tidy runs clang-tidy-19 without its statistics of suppressed warnings;
# %tidy_module is build/lib/VramOnlyTidyModule.so. The plugin's and
# vram-check's tests add their own substitutions (%plugin, %vram_check) below
# and their directories to lit_test_dirs above.
config.substitutions.append(("%clang_tidy", config.clang_tidy + " --quiet"))
config.substitutions.append(("%tidy_module", config.tidy_module))
config.substitutions.append(
    ("%cuda_host_flags", " ".join(cuda_flags + ["--cuda-host-only"])))
config.substitutions.append(
    ("%cuda_device_flags", " ".join(cuda_flags + ["--cuda-device-only"])))
config.substitutions.append(("%cuda_cxx_flags", " ".join(cuda_cxx_flags)))
config.substitutions.append(
    ("%examples", os.path.join(config.vram_only_src_root, "examples")))
config.substitutions.append(
    ("%nvcc", os.path.join(config.cuda_path, "bin", "nvcc")))

# The compiler plugin (plugin/) and vram-check (vram-check/): %clang is clang
# 19's driver, %plugin build/lib/VramOnlyPlugin.so, %vram_check
# build/bin/vram-check; %cuda_flags is the CUDA 13 flag set without a side.
config.substitutions.append(("%clang", os.path.join(config.llvm_tools_dir, "clang++")))
config.substitutions.append(("%plugin", config.plugin))
config.substitutions.append(("%vram_check", config.vram_check))
config.substitutions.append(("%vram_tidy", config.vram_check.replace("vram-check", "vram-tidy")))
config.substitutions.append(("%cuda_flags", " ".join(cuda_flags)))
config.substitutions.append(("%cuda_path", config.cuda_path))
config.substitutions.append(("%python", sys.executable))
# test/ as an absolute path without '..': vram-check names every source by
# such a path (tasks are absolute and normalised), so tests that run it on
# another directory's inputs name them through %lit_tests.
config.substitutions.append(("%lit_tests", config.test_source_root))
