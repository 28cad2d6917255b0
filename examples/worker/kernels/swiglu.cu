#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

__global__ void swiglu_kernel(const float *gate, const float *up, uint32_t n, float *out) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    const float g = gate[i];
    out[i] = g / (1.0f + expf(-g)) * up[i];
  }
}

} // namespace

void swiglu(const float *gate, const float *up, uint32_t n, float *out, cudaStream_t stream) {
  constexpr uint32_t threads = 256;
  swiglu_kernel<<<(n + threads - 1) / threads, threads, 0, stream>>>(gate, up, n, out);
  detail::check_launch("swiglu kernel");
}

} // namespace worker::kernels
