// Device memory through the runtime API: every allocation must be tracked
// and released, with no violation.
#include <cuda_runtime.h>

#include "attach_programs.hpp"

__global__ void fill(unsigned char* p, size_t n) {
  const size_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] = 1;
}

int main() {
  void* a = nullptr;
  CHECK_CUDA(cudaMalloc(&a, 1 << 20));  // 1 MiB
  fill<<<4096, 256>>>(static_cast<unsigned char*>(a), 1 << 20);
  CHECK_CUDA(cudaDeviceSynchronize());
  std::printf("cudaMalloc 1048576\n");

  void* pitched = nullptr;
  size_t pitch = 0;
  CHECK_CUDA(cudaMallocPitch(&pitched, &pitch, 1000, 100));
  std::printf("cudaMallocPitch %zu\n", pitch * 100);

  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreate(&stream));
  void* async = nullptr;
  CHECK_CUDA(cudaMallocAsync(&async, 2 << 20, stream));
  std::printf("cudaMallocAsync 2097152\n");

  cudaMemPoolProps props = {};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = 0;
  cudaMemPool_t pool;
  CHECK_CUDA(cudaMemPoolCreate(&pool, &props));
  void* pooled = nullptr;
  CHECK_CUDA(cudaMallocFromPoolAsync(&pooled, 3 << 20, pool, stream));
  std::printf("cudaMallocFromPoolAsync 3145728\n");

  cudaChannelFormatDesc desc = cudaCreateChannelDesc<float>();
  cudaArray_t array;
  CHECK_CUDA(cudaMallocArray(&array, &desc, 256, 256));
  std::printf("cudaMallocArray 262144\n");

  hold_if_asked();

  CHECK_CUDA(cudaFreeArray(array));
  CHECK_CUDA(cudaFreeAsync(pooled, stream));
  CHECK_CUDA(cudaFreeAsync(async, stream));
  CHECK_CUDA(cudaStreamSynchronize(stream));
  CHECK_CUDA(cudaMemPoolDestroy(pool));
  CHECK_CUDA(cudaFree(pitched));
  CHECK_CUDA(cudaFree(a));
  CHECK_CUDA(cudaStreamDestroy(stream));
  std::printf("freed all\n");
  return 0;
}
