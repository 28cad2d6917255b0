#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

__global__ void embedding_kernel(Weight table, int32_t token, uint32_t n_embd, float *out) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n_embd) {
    out[i] = detail::load(table, static_cast<size_t>(token) * n_embd + i);
  }
}

} // namespace

void embedding(Weight table, int32_t token, uint32_t n_embd, float *out, cudaStream_t stream) {
  constexpr uint32_t threads = 256;
  embedding_kernel<<<(n_embd + threads - 1) / threads, threads, 0, stream>>>(table, token, n_embd, out);
  detail::check_launch("embedding kernel");
}

} // namespace worker::kernels
