// Cost per kernel launch, in place: N launches of an empty kernel, timed
// (synchronised every 1000 launches so that the queue never fills); run
// plain, under vram-only-run --callbacks=none (CUPTI subscribed, nothing
// enabled) and under vram-only-run by scripts/gpu-realclients, to tell
// CUPTI's own cost on calls we never enable from ours.
// Prints {"launches": N, "ns_per_launch": X}.
#include <cuda_runtime.h>

#include <chrono>
#include <cstdlib>

#include "attach_programs.hpp"

__global__ void empty_kernel() {}

int main(int argc, char** argv) {
  const int launches = argc > 1 ? std::atoi(argv[1]) : 200000;
  CHECK_CUDA(cudaFree(nullptr));  // context
  for (int i = 0; i < 1000; ++i) empty_kernel<<<1, 1>>>();  // warm-up
  CHECK_CUDA(cudaDeviceSynchronize());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < launches; ++i) {
    empty_kernel<<<1, 1>>>();
    if (i % 1000 == 999) CHECK_CUDA(cudaDeviceSynchronize());
  }
  CHECK_CUDA(cudaDeviceSynchronize());
  CHECK_CUDA(cudaGetLastError());
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"launches\": %d, \"ns_per_launch\": %.1f}\n", launches, ns / launches);
  return 0;
}
