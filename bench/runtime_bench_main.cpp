// The runtime benchmarks' main: GPU benchmarks are registered only when a
// GPU is usable (otherwise one line says why they were skipped).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include <cuda_runtime.h>

#include "bench_support.hpp"

namespace vram_only::bench {
void register_gpu_residency_benchmarks();
void register_gpu_sweep_benchmarks();
}  // namespace vram_only::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  std::string why;
  if (vram_only::bench::gpu_available(&why)) {
    cudaDeviceProp prop{};
    int driver = 0;
    cudaGetDeviceProperties(&prop, 0);
    cudaDriverGetVersion(&driver);
    benchmark::AddCustomContext("gpu", prop.name);
    benchmark::AddCustomContext("cuda_driver", std::to_string(driver / 1000) + "." +
                                                   std::to_string(driver % 1000 / 10));
    vram_only::bench::register_gpu_residency_benchmarks();
    vram_only::bench::register_gpu_sweep_benchmarks();
  } else {
    std::fprintf(stderr, "GPU benchmarks skipped: %s\n", why.c_str());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
