#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

// One block per row.
__global__ void rms_norm_kernel(const float *x, Weight w, float eps, uint32_t n, float *out) {
  __shared__ float shared[32];
  x += static_cast<size_t>(blockIdx.x) * n;
  out += static_cast<size_t>(blockIdx.x) * n;
  float sum = 0.0f;
  for (uint32_t i = threadIdx.x; i < n; i += blockDim.x) {
    sum += x[i] * x[i];
  }
  sum = detail::block_sum(sum, shared);
  const float scale = rsqrtf(sum / static_cast<float>(n) + eps);
  for (uint32_t i = threadIdx.x; i < n; i += blockDim.x) {
    out[i] = x[i] * scale * detail::load(w, i);
  }
}

} // namespace

void rms_norm(const float *x, Weight w, float eps, uint32_t n, uint32_t rows, float *out, cudaStream_t stream) {
  rms_norm_kernel<<<rows, 1024, 0, stream>>>(x, w, eps, n, out);
  detail::check_launch("rms_norm kernel");
}

} // namespace worker::kernels
