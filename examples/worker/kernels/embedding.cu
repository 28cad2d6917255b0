#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

__global__ void embedding_kernel(Weight table, const int32_t *tokens, uint32_t n_tokens, uint32_t n_embd,
                                 float *out) {
  const size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < static_cast<size_t>(n_tokens) * n_embd) {
    const size_t t = i / n_embd, d = i % n_embd;
    out[i] = detail::load(table, static_cast<size_t>(tokens[t]) * n_embd + d);
  }
}

} // namespace

void embedding(Weight table, const int32_t *tokens, uint32_t n_tokens, uint32_t n_embd, float *out,
               cudaStream_t stream) {
  constexpr uint32_t threads = 256;
  const size_t n = static_cast<size_t>(n_tokens) * n_embd;
  embedding_kernel<<<static_cast<unsigned>((n + threads - 1) / threads), threads, 0, stream>>>(table, tokens, n_tokens,
                                                                                               n_embd, out);
  detail::check_launch("embedding kernel");
}

} // namespace worker::kernels
