// The kernels both example workers run: the same work, whatever memory it
// reads and writes.
#pragma once

#include <cuda_fp16.h>

#include <cstddef>

// Writes one token's keys and values into the KV cache at offset.
static __global__ void appendToken(__half *keys, __half *values, const __half *k,
                                   const __half *v, size_t offset, int head_dim) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < head_dim) {
    keys[offset + i] = k[i];
    values[offset + i] = v[i];
  }
}

// One block per sequence: the index of the largest logit.
static __global__ void greedySample(const float *logits, int vocab, int *tokens) {
  const float *row = logits + static_cast<size_t>(blockIdx.x) * vocab;
  int best = 0;
  for (int i = 1; i < vocab; ++i)
    if (row[i] > row[best])
      best = i;
  tokens[blockIdx.x] = best;
}
