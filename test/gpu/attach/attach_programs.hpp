// Shared by the small CUDA programs that run under vram-only-run in the GPU
// tests (attach_gpu_test.cpp). Each prints what it did, one line per step,
// and exits 0; 2 when a CUDA call fails unexpectedly.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#define CHECK_CUDA(call)                                                                   \
  do {                                                                                     \
    const auto check_cuda_result = (call);                                                 \
    if (static_cast<int>(check_cuda_result) != 0) {                                        \
      std::fprintf(stderr, "%s:%d: %s failed: %d\n", __FILE__, __LINE__, #call,             \
                   static_cast<int>(check_cuda_result));                                   \
      std::exit(2);                                                                        \
    }                                                                                      \
  } while (0)

// With ATTACH_TEST_HOLD=DIR: write DIR/allocated, then wait (up to 60 s)
// until DIR/release exists, so that the test can ask /health meanwhile.
inline void hold_if_asked() {
  const char* dir = std::getenv("ATTACH_TEST_HOLD");
  if (dir == nullptr) return;
  const std::string allocated = std::string(dir) + "/allocated";
  if (std::FILE* f = std::fopen(allocated.c_str(), "w")) std::fclose(f);
  const std::string release = std::string(dir) + "/release";
  struct stat st;
  for (int i = 0; i < 6000 && stat(release.c_str(), &st) != 0; ++i) usleep(10000);
}
