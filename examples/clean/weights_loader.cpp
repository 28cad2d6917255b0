// Reads the checkpoint in chunks into a pageable buffer and copies each chunk
// into VRAM. Copies from pageable memory are synchronous for the host, which
// is fine at load time; nothing stays pinned afterwards.
#include <cstdio>
#include <vector>

#include "device_arena.h"

void *loadWeights(DeviceArena &arena, const char *path, size_t bytes) {
  char *device = arena.allocate<char>(bytes);
  std::FILE *file = std::fopen(path, "rb");
  if (!file)
    return nullptr;
  std::vector<char> chunk(64u << 20);
  for (size_t off = 0; off < bytes;) {
    size_t n = std::fread(chunk.data(), 1, chunk.size(), file);
    if (n == 0)
      break;
    CUDA_CHECK(cudaMemcpy(device + off, chunk.data(), n, cudaMemcpyHostToDevice));
    off += n;
  }
  std::fclose(file);
  return device;
}
