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

// The tiled matrix-matrix kernel of linear(): a block computes a tile of
// kTileTokens tokens x kTileRows outputs, each of its 256 threads a 4 x 4
// patch, stepping through the inputs kTileK at a time via shared memory.
// Each output is summed in input order: deterministic.
constexpr uint32_t kTileTokens = 64, kTileRows = 64, kTileK = 16;

template <typename T>
__global__ void linear_kernel(const T *w, const float *x, uint32_t n_tokens, Weight bias, const float *residual,
                              uint32_t rows, uint32_t cols, float *out) {
  __shared__ float xs[kTileK][kTileTokens + 4];
  __shared__ float ws[kTileK][kTileRows + 4];
  const uint32_t tid = threadIdx.x;
  const uint32_t tx = tid % 16, ty = tid / 16; // tx: output rows, ty: tokens
  const uint32_t t0 = blockIdx.y * kTileTokens, r0 = blockIdx.x * kTileRows;
  float acc[4][4] = {};
  for (uint32_t k0 = 0; k0 < cols; k0 += kTileK) {
#pragma unroll
    for (uint32_t i = 0; i < 4; ++i) {
      const uint32_t idx = tid + i * 256;
      const uint32_t line = idx / kTileK, kk = idx % kTileK;
      const uint32_t c = k0 + kk;
      const uint32_t t = t0 + line, r = r0 + line;
      xs[kk][line] = (t < n_tokens && c < cols) ? x[static_cast<size_t>(t) * cols + c] : 0.0f;
      ws[kk][line] = (r < rows && c < cols) ? detail::load(w, static_cast<size_t>(r) * cols + c) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (uint32_t kk = 0; kk < kTileK; ++kk) {
      float a[4], b[4];
#pragma unroll
      for (uint32_t i = 0; i < 4; ++i) {
        a[i] = xs[kk][ty * 4 + i];
        b[i] = ws[kk][tx * 4 + i];
      }
#pragma unroll
      for (uint32_t i = 0; i < 4; ++i) {
#pragma unroll
        for (uint32_t j = 0; j < 4; ++j) {
          acc[i][j] += a[i] * b[j];
        }
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (uint32_t i = 0; i < 4; ++i) {
    const uint32_t t = t0 + ty * 4 + i;
#pragma unroll
    for (uint32_t j = 0; j < 4; ++j) {
      const uint32_t r = r0 + tx * 4 + j;
      if (t < n_tokens && r < rows) {
        float sum = acc[i][j];
        if (bias.data != nullptr) sum += detail::load(bias, r);
        const size_t o = static_cast<size_t>(t) * rows + r;
        if (residual != nullptr) sum += residual[o];
        out[o] = sum;
      }
    }
  }
}

} // namespace

void linear(Weight w, const float *x, uint32_t n_tokens, Weight bias, const float *residual, uint32_t rows,
            uint32_t cols, float *out, cudaStream_t stream) {
  if (n_tokens == 1) {
    matvec(w, x, bias, residual, rows, cols, out, stream);
    return;
  }
  const dim3 grid((rows + kTileRows - 1) / kTileRows, (n_tokens + kTileTokens - 1) / kTileTokens);
  if (w.type == DType::F16) {
    linear_kernel<__half><<<grid, 256, 0, stream>>>(static_cast<const __half *>(w.data), x, n_tokens, bias, residual,
                                                    rows, cols, out);
  } else {
    linear_kernel<float><<<grid, 256, 0, stream>>>(static_cast<const float *>(w.data), x, n_tokens, bias, residual,
                                                   rows, cols, out);
  }
  detail::check_launch("linear kernel");
}

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
