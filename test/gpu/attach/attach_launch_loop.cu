// Cost per kernel launch and per cheap driver call, in place: N launches
// of an empty kernel, timed (synchronised every 1000 launches so that the
// queue never fills), then 10 N calls of cuCtxGetDevice (a driver call that
// does no work, so its time is the dispatch alone). Run plain, under
// vram-only-run --callbacks=none (CUPTI subscribed, nothing enabled) and
// under vram-only-run by scripts/gpu-realclients, to tell CUPTI's own cost on
// calls we never enable from ours.
// Prints {"launches": N, "ns_per_launch": X, "driver_calls": M, "ns_per_driver_call": Y}.
#include <cuda.h>
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

  const int calls = 10 * launches;
  CUdevice device = -1;
  const auto calls_start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    if (cuCtxGetDevice(&device) != CUDA_SUCCESS) {
      std::fprintf(stderr, "cuCtxGetDevice failed\n");
      return 1;
    }
  }
  const double calls_ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - calls_start).count();
  std::printf("{\"launches\": %d, \"ns_per_launch\": %.1f, \"driver_calls\": %d, \"ns_per_driver_call\": %.1f}\n",
              launches, ns / launches, calls, calls_ns / calls);
  return 0;
}
