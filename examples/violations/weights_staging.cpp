// Loads model weights through pinned staging buffers, and page-locks the
// mmapped checkpoint so that copies from it run at full speed. Both hold
// gigabytes of host RAM that the worker's VRAM budget never sees.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "../common/cuda_check.h"

struct Weights {
  void *device = nullptr;
  size_t bytes = 0;
};

Weights loadWeights(const char *path, cudaStream_t stream) {
  int fd = open(path, O_RDONLY);
  struct stat st {};
  fstat(fd, &st);
  Weights w;
  w.bytes = static_cast<size_t>(st.st_size);
  CUDA_CHECK(cudaMalloc(&w.device, w.bytes));

  void *mapped = mmap(nullptr, w.bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  CUDA_CHECK(cudaHostRegister(mapped, w.bytes, cudaHostRegisterReadOnly));

  constexpr size_t kChunk = 64u << 20;
  void *staging = nullptr;
  CUDA_CHECK(cudaHostAlloc(&staging, kChunk, cudaHostAllocWriteCombined));
  for (size_t off = 0; off < w.bytes; off += kChunk) {
    size_t n = w.bytes - off < kChunk ? w.bytes - off : kChunk;
    std::memcpy(staging, static_cast<const char *>(mapped) + off, n);
    CUDA_CHECK(cudaMemcpyAsync(static_cast<char *>(w.device) + off, staging, n,
                               cudaMemcpyHostToDevice, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  CUDA_CHECK(cudaFreeHost(staging));
  CUDA_CHECK(cudaHostUnregister(mapped));
  munmap(mapped, w.bytes);
  close(fd);
  return w;
}

// The driver-API path of the same loader.
void *stageWithDriver(size_t bytes) {
  void *staging = nullptr;
  CU_CHECK(cuMemAllocHost(&staging, bytes));
  return staging;
}
