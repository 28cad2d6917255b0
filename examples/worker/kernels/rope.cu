#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

// One thread per rotated pair: for each token, q heads first, then k heads.
__global__ void rope_kernel(float *q, uint32_t n_head, float *k, uint32_t n_head_kv, uint32_t head_dim,
                            uint32_t n_tokens, uint32_t pos0, float freq_base, float freq_scale, RopeStyle style) {
  const uint32_t half = head_dim / 2;
  const uint32_t heads = n_head + n_head_kv;
  const size_t pair = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (pair >= static_cast<size_t>(n_tokens) * heads * half) {
    return;
  }
  const uint32_t i = static_cast<uint32_t>(pair % half);
  const uint32_t head = static_cast<uint32_t>(pair / half % heads);
  const uint32_t t = static_cast<uint32_t>(pair / half / heads);
  float *v = head < n_head ? q + (static_cast<size_t>(t) * n_head + head) * head_dim
                           : k + (static_cast<size_t>(t) * n_head_kv + (head - n_head)) * head_dim;
  const float inv_freq = powf(freq_base, -2.0f * static_cast<float>(i) / static_cast<float>(head_dim));
  float s, c;
  sincosf(static_cast<float>(pos0 + t) * freq_scale * inv_freq, &s, &c);
  const uint32_t a = style == RopeStyle::Neox ? i : 2 * i;
  const uint32_t b = style == RopeStyle::Neox ? i + half : 2 * i + 1;
  const float x0 = v[a], x1 = v[b];
  v[a] = x0 * c - x1 * s;
  v[b] = x0 * s + x1 * c;
}

} // namespace

void rope(float *q, uint32_t n_head, float *k, uint32_t n_head_kv, uint32_t head_dim, uint32_t n_tokens,
          uint32_t pos0, float freq_base, float freq_scale, RopeStyle style, cudaStream_t stream) {
  const size_t pairs = static_cast<size_t>(n_tokens) * (n_head + n_head_kv) * (head_dim / 2);
  constexpr uint32_t threads = 128;
  rope_kernel<<<static_cast<unsigned>((pairs + threads - 1) / threads), threads, 0, stream>>>(
      q, n_head, k, n_head_kv, head_dim, n_tokens, pos0, freq_base, freq_scale, style);
  detail::check_launch("rope kernel");
}

} // namespace worker::kernels
