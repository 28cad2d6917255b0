// Samples into device memory and copies the tokens back into a pageable host
// vector: a small copy per step instead of a kernel writing host RAM.
#include <vector>

#include "../common/kernels.cuh"
#include "device_arena.h"

std::vector<int> sample(DeviceArena &arena, const float *logits, int batch,
                        int vocab, cudaStream_t stream) {
  int *device_tokens = arena.allocate<int>(static_cast<size_t>(batch));
  greedySample<<<batch, 1, 0, stream>>>(logits, vocab, device_tokens);
  CUDA_CHECK(cudaGetLastError());
  std::vector<int> tokens(static_cast<size_t>(batch));
  CUDA_CHECK(cudaMemcpyAsync(tokens.data(), device_tokens, batch * sizeof(int),
                             cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  return tokens;
}
