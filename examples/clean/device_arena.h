// One cudaMalloc region for the worker's lifetime, handed out in aligned
// blocks. Not thread-safe: one arena per worker thread or a lock around it.
#pragma once

#include <cstddef>
#include <new>

#include "../common/cuda_check.h"

class DeviceArena {
public:
  explicit DeviceArena(size_t bytes) : capacity_(bytes) {
    CUDA_CHECK(cudaMalloc(&base_, bytes));
  }
  ~DeviceArena() { cudaFree(base_); }
  DeviceArena(const DeviceArena &) = delete;
  DeviceArena &operator=(const DeviceArena &) = delete;

  template <class T> T *allocate(size_t count, size_t alignment = 256) {
    size_t offset = (used_ + alignment - 1) / alignment * alignment;
    size_t bytes = count * sizeof(T);
    if (offset + bytes > capacity_)
      throw std::bad_alloc();
    used_ = offset + bytes;
    return reinterpret_cast<T *>(static_cast<char *>(base_) + offset);
  }

  size_t used() const { return used_; }
  size_t capacity() const { return capacity_; }

private:
  void *base_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
};
