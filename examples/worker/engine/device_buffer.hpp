// One tracked GPU-visible allocation, owned RAII-style: device memory is a
// vram_only::DeviceAllocation (cudaMalloc + record, deregister + cudaFree);
// only to demonstrate violations, cudaMallocManaged or cudaMallocHost
// memory is recorded and released here by hand.
//
// Thread-safety: a DeviceBuffer is owned by one thread; the tracker it
// records into is thread-safe.
#pragma once

#include <vram_only/device_allocation.hpp>
#include <vram_only/vram_only.hpp>

#include <cstddef>
#include <string>

namespace worker::engine {

enum class MemoryKind {
  Device,     // cudaMalloc: VRAM, the only kind the policy allows
  Managed,    // cudaMallocManaged: a violation (--violate=managed-kv)
  PinnedHost, // cudaMallocHost: a violation (--violate=pinned-weights)
};

const char *to_string(MemoryKind kind) noexcept;

class DeviceBuffer {
public:
  DeviceBuffer() = default;
  // Throws kernels::CudaError when the allocation fails (nothing is recorded then).
  DeviceBuffer(vram_only::VramTracker &tracker, size_t bytes, vram_only::VramPurpose purpose,
               std::string label, MemoryKind kind = MemoryKind::Device);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  void *data() const { return device_ ? device_.data() : data_; }
  template <typename T> T *as() const { return static_cast<T *>(data()); }
  size_t bytes() const { return bytes_; }
  const std::string &label() const { return label_; }
  vram_only::VramPurpose purpose() const { return purpose_; }
  MemoryKind kind() const { return kind_; }

private:
  void release() noexcept;

  vram_only::DeviceAllocation device_;  // MemoryKind::Device
  vram_only::VramTracker *tracker_ = nullptr;  // the demonstration kinds:
  void *data_ = nullptr;                       // recorded and freed by hand
  size_t bytes_ = 0;
  vram_only::VramPurpose purpose_ = vram_only::VramPurpose::Other;
  std::string label_;
  MemoryKind kind_ = MemoryKind::Device;
};

} // namespace worker::engine
