#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

constexpr unsigned kThreads = 1024;

__device__ __forceinline__ bool better(float v, uint32_t i, float best_v, uint32_t best_i) {
  return v > best_v || (v == best_v && i < best_i);
}

// One block: a strided scan per thread, then a tree over the threads.
__global__ void argmax_kernel(const float *values, uint32_t n, int32_t *out) {
  __shared__ float best_values[kThreads];
  __shared__ uint32_t best_indices[kThreads];
  float best_v = -INFINITY;
  uint32_t best_i = 0xFFFFFFFFu;
  for (uint32_t i = threadIdx.x; i < n; i += blockDim.x) {
    if (better(values[i], i, best_v, best_i)) {
      best_v = values[i];
      best_i = i;
    }
  }
  best_values[threadIdx.x] = best_v;
  best_indices[threadIdx.x] = best_i;
  __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) {
      const float v = best_values[threadIdx.x + stride];
      const uint32_t i = best_indices[threadIdx.x + stride];
      if (better(v, i, best_values[threadIdx.x], best_indices[threadIdx.x])) {
        best_values[threadIdx.x] = v;
        best_indices[threadIdx.x] = i;
      }
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    // All NaN (no value compared greater than -inf): report index 0.
    *out = best_indices[0] == 0xFFFFFFFFu ? 0 : static_cast<int32_t>(best_indices[0]);
  }
}

} // namespace

void argmax(const float *values, uint32_t n, int32_t *out, cudaStream_t stream) {
  argmax_kernel<<<1, kThreads, 0, stream>>>(values, n, out);
  detail::check_launch("argmax kernel");
}

} // namespace worker::kernels
