#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

__global__ void store_kv_kernel(const float *k, const float *v, float *k_cache, float *v_cache,
                                uint32_t pos, uint32_t kv_dim) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < kv_dim) {
    k_cache[static_cast<size_t>(pos) * kv_dim + i] = k[i];
    v_cache[static_cast<size_t>(pos) * kv_dim + i] = v[i];
  }
}

// One block per query head.
__global__ void attention_kernel(const float *q, const float *k_cache, const float *v_cache,
                                 uint32_t n_tokens, uint32_t n_head, uint32_t n_head_kv,
                                 uint32_t head_dim, float *scores, uint32_t scores_stride,
                                 float *out) {
  __shared__ float shared[32];
  const uint32_t h = blockIdx.x;
  const uint32_t kv_head = h / (n_head / n_head_kv);
  const size_t kv_dim = static_cast<size_t>(n_head_kv) * head_dim;
  const float *qh = q + static_cast<size_t>(h) * head_dim;
  float *s = scores + static_cast<size_t>(h) * scores_stride;
  const float scale = rsqrtf(static_cast<float>(head_dim));

  float local_max = -FLT_MAX;
  for (uint32_t t = threadIdx.x; t < n_tokens; t += blockDim.x) {
    const float *kt = k_cache + t * kv_dim + static_cast<size_t>(kv_head) * head_dim;
    float dot = 0.0f;
    for (uint32_t d = 0; d < head_dim; ++d) {
      dot += qh[d] * kt[d];
    }
    s[t] = dot * scale;
    local_max = fmaxf(local_max, s[t]);
  }
  const float max_score = detail::block_max(local_max, shared);
  float local_sum = 0.0f;
  for (uint32_t t = threadIdx.x; t < n_tokens; t += blockDim.x) {
    s[t] = expf(s[t] - max_score);
    local_sum += s[t];
  }
  const float sum = detail::block_sum(local_sum, shared); // also orders the writes to s
  for (uint32_t d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float acc = 0.0f;
    for (uint32_t t = 0; t < n_tokens; ++t) {
      acc += s[t] * v_cache[t * kv_dim + static_cast<size_t>(kv_head) * head_dim + d];
    }
    out[static_cast<size_t>(h) * head_dim + d] = acc / sum;
  }
}

} // namespace

void store_kv(const float *k, const float *v, float *k_cache, float *v_cache, uint32_t pos,
              uint32_t kv_dim, cudaStream_t stream) {
  constexpr uint32_t threads = 128;
  store_kv_kernel<<<(kv_dim + threads - 1) / threads, threads, 0, stream>>>(k, v, k_cache, v_cache, pos,
                                                                           kv_dim);
  detail::check_launch("store_kv kernel");
}

void attention(const float *q, const float *k_cache, const float *v_cache, uint32_t n_tokens,
               uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *scores,
               uint32_t scores_stride, float *out, cudaStream_t stream) {
  attention_kernel<<<n_head, 256, 0, stream>>>(q, k_cache, v_cache, n_tokens, n_head, n_head_kv,
                                               head_dim, scores, scores_stride, out);
  detail::check_launch("attention kernel");
}

} // namespace worker::kernels
