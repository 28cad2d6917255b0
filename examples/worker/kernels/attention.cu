#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

__global__ void store_kv_kernel(const float *k, const float *v, float *k_cache, float *v_cache, size_t n) {
  const size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) {
    k_cache[i] = k[i];
    v_cache[i] = v[i];
  }
}

constexpr unsigned kBatchWarps = 4;

// One warp per (token, query head); lane l holds dimensions l, l + 32, ...
// of the query and of the running output. Keys are visited in order with a
// running maximum and sum (online softmax), so no scores are stored.
__global__ void attention_batch_kernel(const float *q, const float *k_cache, const float *v_cache, uint32_t pos0,
                                       uint32_t n_tokens, uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim,
                                       float *out) {
  constexpr uint32_t kPerLane = kMaxBatchHeadDim / 32;
  const uint32_t warp = blockIdx.x * kBatchWarps + threadIdx.x / 32;
  const uint32_t lane = threadIdx.x % 32;
  if (warp >= n_tokens * n_head) {
    return; // whole warps leave together
  }
  const uint32_t t = warp / n_head, h = warp % n_head;
  const uint32_t kv_head = h / (n_head / n_head_kv);
  const size_t kv_dim = static_cast<size_t>(n_head_kv) * head_dim;
  const float *qh = q + (static_cast<size_t>(t) * n_head + h) * head_dim;
  const float scale = rsqrtf(static_cast<float>(head_dim));
  float qr[kPerLane], acc[kPerLane];
#pragma unroll
  for (uint32_t j = 0; j < kPerLane; ++j) {
    const uint32_t d = lane + 32 * j;
    qr[j] = d < head_dim ? qh[d] : 0.0f;
    acc[j] = 0.0f;
  }
  float running_max = -INFINITY, running_sum = 0.0f;
  const uint32_t n_keys = pos0 + t + 1;
  for (uint32_t s = 0; s < n_keys; ++s) {
    const float *ks = k_cache + s * kv_dim + static_cast<size_t>(kv_head) * head_dim;
    const float *vs = v_cache + s * kv_dim + static_cast<size_t>(kv_head) * head_dim;
    float dot = 0.0f;
#pragma unroll
    for (uint32_t j = 0; j < kPerLane; ++j) {
      const uint32_t d = lane + 32 * j;
      if (d < head_dim) dot += qr[j] * ks[d];
    }
    dot = __shfl_sync(0xffffffffu, detail::warp_sum(dot), 0) * scale; // lane 0's sum, in every lane
    const float new_max = fmaxf(running_max, dot);
    const float correction = expf(running_max - new_max);
    const float p = expf(dot - new_max);
    running_sum = running_sum * correction + p;
#pragma unroll
    for (uint32_t j = 0; j < kPerLane; ++j) {
      const uint32_t d = lane + 32 * j;
      if (d < head_dim) acc[j] = acc[j] * correction + p * vs[d];
    }
    running_max = new_max;
  }
  float *oh = out + (static_cast<size_t>(t) * n_head + h) * head_dim;
#pragma unroll
  for (uint32_t j = 0; j < kPerLane; ++j) {
    const uint32_t d = lane + 32 * j;
    if (d < head_dim) oh[d] = acc[j] / running_sum;
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

void store_kv(const float *k, const float *v, float *k_cache, float *v_cache, uint32_t pos0, uint32_t n_tokens,
              uint32_t kv_dim, cudaStream_t stream) {
  constexpr uint32_t threads = 256;
  const size_t n = static_cast<size_t>(n_tokens) * kv_dim;
  const size_t offset = static_cast<size_t>(pos0) * kv_dim;
  store_kv_kernel<<<static_cast<unsigned>((n + threads - 1) / threads), threads, 0, stream>>>(
      k, v, k_cache + offset, v_cache + offset, n);
  detail::check_launch("store_kv kernel");
}

void attention_batch(const float *q, const float *k_cache, const float *v_cache, uint32_t pos0, uint32_t n_tokens,
                     uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *out, cudaStream_t stream) {
  if (head_dim > kMaxBatchHeadDim) {
    throw std::invalid_argument("attention_batch: head_dim " + std::to_string(head_dim) + " > " +
                                std::to_string(kMaxBatchHeadDim));
  }
  const uint32_t warps = n_tokens * n_head;
  attention_batch_kernel<<<(warps + kBatchWarps - 1) / kBatchWarps, kBatchWarps * 32, 0, stream>>>(
      q, k_cache, v_cache, pos0, n_tokens, n_head, n_head_kv, head_dim, out);
  detail::check_launch("attention_batch kernel");
}

void attention(const float *q, const float *k_cache, const float *v_cache, uint32_t n_tokens,
               uint32_t n_head, uint32_t n_head_kv, uint32_t head_dim, float *scores,
               uint32_t scores_stride, float *out, cudaStream_t stream) {
  attention_kernel<<<n_head, 256, 0, stream>>>(q, k_cache, v_cache, n_tokens, n_head, n_head_kv,
                                               head_dim, scores, scores_stride, out);
  detail::check_launch("attention kernel");
}

} // namespace worker::kernels
