// Device helpers shared by the kernels: weight loads and block reductions
// with a fixed reduction order (deterministic results).
#pragma once

#include "kernels/kernels.hpp"

#include <cuda_fp16.h>

#include <cfloat>

namespace worker::kernels::detail {

__device__ __forceinline__ float load(const float *p, size_t i) { return p[i]; }
__device__ __forceinline__ float load(const __half *p, size_t i) { return __half2float(p[i]); }

__device__ __forceinline__ float load(Weight w, size_t i) {
  return w.type == DType::F16 ? __half2float(static_cast<const __half *>(w.data)[i])
                              : static_cast<const float *>(w.data)[i];
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset /= 2) {
    v += __shfl_down_sync(0xffffffffu, v, offset);
  }
  return v; // lane 0 holds the sum
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset /= 2) {
    v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, offset));
  }
  return v;
}

// Sum over the block, returned to every thread. blockDim.x must be a multiple
// of 32 and at most 1024; `shared` holds 32 floats.
__device__ __forceinline__ float block_sum(float v, float *shared) {
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  v = warp_sum(v);
  __syncthreads(); // `shared` may still be read from a previous reduction
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const unsigned warps = blockDim.x / 32;
  float total = 0.0f;
  for (unsigned i = 0; i < warps; ++i) total += shared[i]; // same order in every thread
  return total;
}

__device__ __forceinline__ float block_max(float v, float *shared) {
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const unsigned warps = blockDim.x / 32;
  float m = -FLT_MAX;
  for (unsigned i = 0; i < warps; ++i) m = fmaxf(m, shared[i]);
  return m;
}

inline void check_launch(const char *kernel) { check(cudaGetLastError(), kernel); }

} // namespace worker::kernels::detail
