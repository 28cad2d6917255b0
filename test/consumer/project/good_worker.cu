// A VRAM-only worker: device memory, tracked by the runtime.
#include <vram_only/vram_only.hpp>

#include <cuda_runtime.h>
#include <cstdio>

__global__ void scale(float *x, float a) { x[threadIdx.x] *= a; }

int main() {
  float *weights = nullptr;
  if (cudaMalloc(&weights, 256 * sizeof(float)) != cudaSuccess) {
    std::puts("no GPU");
    return 0;
  }
  vram_only::VramTracker tracker;
  tracker.record_allocation(weights, 256 * sizeof(float),
                            vram_only::VramPurpose::ModelWeights, "weights");
  scale<<<1, 256>>>(weights, 2.0f);
  tracker.record_deallocation(weights);
  cudaFree(weights);
  return 0;
}
