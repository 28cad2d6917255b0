// The sampler writes its output into mapped host memory so that the host
// reads tokens without a copy; the kernel then writes over PCIe/NVLink. Spilled
// activations go to a memory pool on a host NUMA node.
#include "../common/cuda_check.h"
#include "../common/kernels.cuh"

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

// The kernel writes the tokens straight into host RAM.
void sampleInto(const SamplerOutput &out, const float *logits, int batch,
                int vocab, cudaStream_t stream) {
  greedySample<<<batch, 1, 0, stream>>>(logits, vocab, out.device_tokens);
  CUDA_CHECK(cudaGetLastError());
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
