// The sampler writes its output into mapped host memory so that the host
// reads tokens without a copy; the kernel then writes over PCIe/NVLink. Spilled
// activations go to a memory pool on a host NUMA node.
#include "cuda_check.h"

constexpr unsigned kSamplerFlags = cudaHostAllocMapped | cudaHostAllocPortable;

void initDevice(int device) {
  CUDA_CHECK(cudaSetDevice(device));
  CUDA_CHECK(cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync | cudaDeviceMapHost));
}

struct SamplerOutput {
  int *host_tokens = nullptr;
  int *device_tokens = nullptr;
};

SamplerOutput mapSamplerOutput(int batch) {
  SamplerOutput out;
  CUDA_CHECK(cudaHostAlloc(&out.host_tokens, batch * sizeof(int), kSamplerFlags));
  CUDA_CHECK(cudaHostGetDevicePointer(&out.device_tokens, out.host_tokens, 0));
  return out;
}

__global__ void greedySample(const float *logits, int vocab, int *tokens) {
  const float *row = logits + static_cast<size_t>(blockIdx.x) * vocab;
  int best = 0;
  for (int i = 1; i < vocab; ++i)
    if (row[i] > row[best])
      best = i;
  tokens[blockIdx.x] = best;
}

cudaMemPool_t createOffloadPool(int numa_node) {
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeHostNuma;
  props.location.id = numa_node;
  cudaMemPool_t pool;
  CUDA_CHECK(cudaMemPoolCreate(&pool, &props));
  return pool;
}
