#include "kernels/device_math.cuh"

namespace worker::kernels {

namespace {

constexpr unsigned kWarpsPerBlock = 8;

// One warp per output row.
template <typename T>
__global__ void matvec_kernel(const T *w, const float *x, Weight bias, const float *residual,
                              uint32_t rows, uint32_t cols, float *out) {
  const uint32_t row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
  const unsigned lane = threadIdx.x % 32;
  if (row >= rows) {
    return; // whole warps leave together: the shuffle below stays convergent
  }
  const T *w_row = w + static_cast<size_t>(row) * cols;
  float sum = 0.0f;
  for (uint32_t c = lane; c < cols; c += 32) {
    sum += detail::load(w_row, c) * x[c];
  }
  sum = detail::warp_sum(sum);
  if (lane == 0) {
    if (bias.data != nullptr) sum += detail::load(bias, row);
    if (residual != nullptr) sum += residual[row];
    out[row] = sum;
  }
}

} // namespace

void matvec(Weight w, const float *x, Weight bias, const float *residual, uint32_t rows,
            uint32_t cols, float *out, cudaStream_t stream) {
  const unsigned blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  if (w.type == DType::F16) {
    matvec_kernel<__half><<<blocks, kWarpsPerBlock * 32, 0, stream>>>(
        static_cast<const __half *>(w.data), x, bias, residual, rows, cols, out);
  } else {
    matvec_kernel<float><<<blocks, kWarpsPerBlock * 32, 0, stream>>>(
        static_cast<const float *>(w.data), x, bias, residual, rows, cols, out);
  }
  detail::check_launch("matvec kernel");
}

} // namespace worker::kernels
