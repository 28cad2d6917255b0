// Shared pieces of the runtime benchmarks.
#pragma once

#include <benchmark/benchmark.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include <vram_only/residency_oracle.hpp>

namespace vram_only::bench {

inline const void* ptr(std::uintptr_t a) { return reinterpret_cast<const void*>(a); }

// Answers Device for everything, at the cost of a few loads: isolates the
// tracker's own cost in sweeps and checks.
class DeviceOracle final : public ResidencyOracle {
 public:
  ResidencyVerdict query(const void* p) const noexcept override {
    benchmark::DoNotOptimize(p);
    return classify_pointer_attributes(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 0, 0, "");
  }
};

// Answers Device after spinning about `nanoseconds`: a stand-in for the
// driver query (~64 ns on an H200) on machines without a GPU.
class SlowDeviceOracle final : public ResidencyOracle {
 public:
  explicit SlowDeviceOracle(unsigned spins) : spins_(spins) {}
  ResidencyVerdict query(const void* p) const noexcept override {
    std::uintptr_t x = reinterpret_cast<std::uintptr_t>(p);
    for (unsigned i = 0; i < spins_; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      benchmark::DoNotOptimize(x);
    }
    return classify_pointer_attributes(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 0, 0, "");
  }

 private:
  unsigned spins_;
};

// Whether a CUDA GPU is usable; `why` says why not.
inline bool gpu_available(std::string* why) {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    *why = std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
    cudaGetLastError();
    return false;
  }
  if (count == 0) {
    *why = "no CUDA device";
    return false;
  }
  return true;
}

}  // namespace vram_only::bench
