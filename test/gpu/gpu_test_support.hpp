// Shared helpers of the GPU tests (ctest label "gpu"). They run on an
// H100/H200 with CUDA 13 and skip with a message where there is no GPU.
#pragma once

#include <gtest/gtest.h>

#include <cuda.h>
#include <cuda_runtime.h>

#include <string>

namespace vram_only::gpu_testing {

// Why there is no usable GPU, or "" when there is one.
inline std::string why_no_gpu() {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    const std::string why = std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
    cudaGetLastError();  // do not leave our probe's error behind
    return why;
  }
  return count > 0 ? "" : "cudaGetDeviceCount reports 0 devices";
}

// A driver entry point through the runtime (the tests do not link libcuda).
template <class Fn>
Fn driver_entry(const char* name) {
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult status{};
  const cudaError_t error =
      cudaGetDriverEntryPointByVersion(name, &fn, CUDA_VERSION, cudaEnableDefault, &status);
  if (error != cudaSuccess || status != cudaDriverEntryPointSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  return reinterpret_cast<Fn>(fn);
}

}  // namespace vram_only::gpu_testing

#define VRAM_ONLY_REQUIRE_GPU()                                                   \
  do {                                                                            \
    const std::string vram_only_why_no_gpu = ::vram_only::gpu_testing::why_no_gpu(); \
    if (!vram_only_why_no_gpu.empty()) {                                          \
      GTEST_SKIP() << "no CUDA GPU here (" << vram_only_why_no_gpu                \
                   << "); the gpu suite runs on an H100/H200";                    \
    }                                                                             \
  } while (0)

#define VRAM_ONLY_CUDA_OK(call)                                                     \
  do {                                                                              \
    const cudaError_t vram_only_error = (call);                                     \
    ASSERT_EQ(vram_only_error, cudaSuccess)                                         \
        << #call << ": " << cudaGetErrorName(vram_only_error) << " "               \
        << cudaGetErrorString(vram_only_error);                                     \
  } while (0)
