// Cost per allocation call, in place: N x (cudaMalloc(4 KiB) + cudaFree),
// timed; run with and without vram-only-run by scripts/gpu-realclients.
// Prints {"pairs": N, "ns_per_pair": X}.
#include <cuda_runtime.h>

#include <chrono>
#include <cstdlib>

#include "attach_programs.hpp"

int main(int argc, char** argv) {
  const int pairs = argc > 1 ? std::atoi(argv[1]) : 20000;
  void* p = nullptr;
  CHECK_CUDA(cudaFree(nullptr));  // context
  for (int i = 0; i < 100; ++i) {  // warm-up
    CHECK_CUDA(cudaMalloc(&p, 4096));
    CHECK_CUDA(cudaFree(p));
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < pairs; ++i) {
    CHECK_CUDA(cudaMalloc(&p, 4096));
    CHECK_CUDA(cudaFree(p));
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"pairs\": %d, \"ns_per_pair\": %.1f}\n", pairs, ns / pairs);
  return 0;
}
