#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

// One thread per rotated pair, q heads first, then k heads.
__global__ void rope_neox_kernel(float *q, uint32_t n_head, float *k, uint32_t n_head_kv,
                                 uint32_t head_dim, uint32_t pos, float freq_base) {
  const uint32_t half = head_dim / 2;
  const uint32_t pair = blockIdx.x * blockDim.x + threadIdx.x;
  const uint32_t head = pair / half, i = pair % half;
  if (head >= n_head + n_head_kv) {
    return;
  }
  float *v = head < n_head ? q + static_cast<size_t>(head) * head_dim
                           : k + static_cast<size_t>(head - n_head) * head_dim;
  const float inv_freq = powf(freq_base, -2.0f * static_cast<float>(i) / static_cast<float>(head_dim));
  float s, c;
  sincosf(static_cast<float>(pos) * inv_freq, &s, &c);
  const float x0 = v[i], x1 = v[i + half];
  v[i] = x0 * c - x1 * s;
  v[i + half] = x0 * s + x1 * c;
}

} // namespace

void rope_neox(float *q, uint32_t n_head, float *k, uint32_t n_head_kv, uint32_t head_dim,
               uint32_t pos, float freq_base, cudaStream_t stream) {
  const uint32_t pairs = (n_head + n_head_kv) * (head_dim / 2);
  constexpr uint32_t threads = 128;
  rope_neox_kernel<<<(pairs + threads - 1) / threads, threads, 0, stream>>>(q, n_head, k, n_head_kv,
                                                                           head_dim, pos, freq_base);
  detail::check_launch("rope_neox kernel");
}

} // namespace worker::kernels
