// DeviceAllocation: one cudaMalloc'd buffer that is recorded in a
// VramTracker for exactly as long as it lives.
//
//   auto [kv, error] = vram_only::DeviceAllocation::create(
//       tracker, bytes, vram_only::VramPurpose::KvCache, "kv.layer0");
//   if (error != cudaSuccess) { ... }       // nothing allocated, nothing recorded
//   launch(kv.data(), kv.bytes());
//   // ~DeviceAllocation: record_deallocation, then cudaFree, exactly once
//
// create() = cudaMalloc on the current device + record_allocation (purpose,
// label, the device from cudaGetDevice). It returns the CUDA error instead
// of throwing or hiding it (the runtime's last-error state is left as
// cudaMalloc left it). reset() frees early and returns cudaFree's error;
// the destructor does the same and drops that error (there is no one to
// give it to): call reset() where a failing cudaFree matters.
//
// Ownership: owns the memory; movable (the moved-from object is empty),
// not copyable. The tracker must outlive every DeviceAllocation recorded
// in it. Thread-safety: one object is used by one thread at a time; the
// tracker is thread-safe.
//
// Needs the CUDA runtime library (cudart) at link time, unlike the rest of
// the runtime, which is why vram_only.hpp does not include this header.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string_view>
#include <utility>

#include "vram_only/vram_purpose.hpp"
#include "vram_only/vram_tracker.hpp"

namespace vram_only {

// The three CUDA runtime calls DeviceAllocation makes (a test seam).
struct CudaMemoryApi {
  cudaError_t (*malloc)(void** ptr, std::size_t bytes);
  cudaError_t (*free)(void* ptr);
  cudaError_t (*get_device)(int* device);
};

// cudaMalloc, cudaFree, cudaGetDevice.
inline const CudaMemoryApi& cuda_memory_api() noexcept {
  static const CudaMemoryApi api{
      static_cast<cudaError_t (*)(void**, std::size_t)>(&::cudaMalloc), &::cudaFree,
      &::cudaGetDevice};
  return api;
}

class DeviceAllocation {
 public:
  struct Created;

  // Allocates `bytes` with cudaMalloc on the current device and records it.
  // On failure: an empty allocation and the error; nothing is recorded.
  // 0 bytes: an empty allocation and cudaSuccess.
  static Created create(VramTracker& tracker, std::size_t bytes, VramPurpose purpose,
                        std::string_view label = {},
                        const CudaMemoryApi& api = cuda_memory_api());

  DeviceAllocation() noexcept = default;
  ~DeviceAllocation() { reset(); }

  DeviceAllocation(DeviceAllocation&& other) noexcept { take(other); }
  DeviceAllocation& operator=(DeviceAllocation&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  DeviceAllocation(const DeviceAllocation&) = delete;
  DeviceAllocation& operator=(const DeviceAllocation&) = delete;

  void* data() const noexcept { return data_; }
  std::size_t bytes() const noexcept { return bytes_; }
  int device() const noexcept { return device_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }

  // Deregisters and frees now (no-op when empty); returns cudaFree's error.
  cudaError_t reset() noexcept {
    if (data_ == nullptr) {
      return cudaSuccess;
    }
    tracker_->record_deallocation(data_);  // before the memory goes (see VramTracker)
    const cudaError_t error = api_->free(data_);
    data_ = nullptr;
    bytes_ = 0;
    return error;
  }

 private:
  void take(DeviceAllocation& other) noexcept {
    tracker_ = other.tracker_;
    api_ = other.api_;
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    device_ = other.device_;
  }

  VramTracker* tracker_ = nullptr;
  const CudaMemoryApi* api_ = nullptr;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  int device_ = -1;
};

struct DeviceAllocation::Created {
  DeviceAllocation allocation;
  cudaError_t error = cudaSuccess;
};

inline DeviceAllocation::Created DeviceAllocation::create(VramTracker& tracker, std::size_t bytes,
                                                          VramPurpose purpose,
                                                          std::string_view label,
                                                          const CudaMemoryApi& api) {
  Created result;
  void* data = nullptr;
  result.error = api.malloc(&data, bytes);
  if (result.error != cudaSuccess || data == nullptr) {  // null: cudaMalloc of 0 bytes
    return result;
  }
  int device = -1;
  if (api.get_device(&device) != cudaSuccess) {
    device = -1;  // unknown: the sweep then checks residency but not the device
  }
  DeviceAllocation& a = result.allocation;
  a.tracker_ = &tracker;
  a.api_ = &api;
  a.data_ = data;
  a.bytes_ = bytes;
  a.device_ = device;
  tracker.record_allocation(data, bytes, purpose, label, device);
  return result;
}

}  // namespace vram_only
