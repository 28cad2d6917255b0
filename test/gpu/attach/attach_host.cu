// Pinned (cudaMallocHost 64 KiB), mapped (cudaHostAlloc Mapped 128 KiB, and
// its device pointer) and registered (cudaHostRegister 256 KiB) host memory:
// three violations, each once, with its size.
#include <cuda_runtime.h>

#include <cstdlib>

#include "attach_programs.hpp"

int main() {
  void* pinned = nullptr;
  CHECK_CUDA(cudaMallocHost(&pinned, 64 << 10));
  std::printf("cudaMallocHost 65536\n");
  void* mapped = nullptr;
  CHECK_CUDA(cudaHostAlloc(&mapped, 128 << 10, cudaHostAllocMapped));
  void* device_view = nullptr;
  CHECK_CUDA(cudaHostGetDevicePointer(&device_view, mapped, 0));
  std::printf("cudaHostAlloc(Mapped) 131072\n");
  void* plain = std::aligned_alloc(4096, 256 << 10);
  CHECK_CUDA(cudaHostRegister(plain, 256 << 10, cudaHostRegisterDefault));
  std::printf("cudaHostRegister 262144\n");
  hold_if_asked();
  CHECK_CUDA(cudaHostUnregister(plain));
  std::free(plain);
  CHECK_CUDA(cudaFreeHost(mapped));
  CHECK_CUDA(cudaFreeHost(pinned));
  return 0;
}
