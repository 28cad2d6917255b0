#include "engine/device_buffer.hpp"
#include "kernels/kernels.hpp"

#include <cuda_runtime_api.h>

#include <utility>

namespace worker::engine {

const char *to_string(MemoryKind kind) noexcept {
  switch (kind) {
  case MemoryKind::Device: return "device";
  case MemoryKind::Managed: return "managed";
  case MemoryKind::PinnedHost: return "pinned-host";
  }
  return "device";
}

DeviceBuffer::DeviceBuffer(vram_only::VramTracker &tracker, size_t bytes, vram_only::VramPurpose purpose,
                           std::string label, MemoryKind kind)
    : tracker_(&tracker), bytes_(bytes), purpose_(purpose), label_(std::move(label)), kind_(kind) {
  cudaError_t status = cudaSuccess;
  switch (kind) {
  case MemoryKind::Device: status = cudaMalloc(&data_, bytes); break;
  // NOLINTNEXTLINE(vram-managed-memory): deliberate; --violate=managed-kv shows the runtime catching managed memory
  case MemoryKind::Managed: status = cudaMallocManaged(&data_, bytes); break;
  // NOLINTNEXTLINE(vram-host-memory): deliberate; --violate=pinned-weights shows the runtime catching pinned host memory
  case MemoryKind::PinnedHost: status = cudaMallocHost(&data_, bytes); break;
  }
  if (status != cudaSuccess) {
    data_ = nullptr;
    kernels::check(status, ("allocating " + std::to_string(bytes) + " bytes (" + to_string(kind) +
                            ") for " + label_)
                               .c_str());
  }
  int device = -1;
  if (cudaGetDevice(&device) != cudaSuccess) {
    device = -1;
  }
  tracker_->record_allocation(data_, bytes_, purpose_, label_, device);
}

DeviceBuffer::~DeviceBuffer() { release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : tracker_(std::exchange(other.tracker_, nullptr)), data_(std::exchange(other.data_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)), purpose_(other.purpose_), label_(std::move(other.label_)),
      kind_(other.kind_) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    release();
    tracker_ = std::exchange(other.tracker_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    purpose_ = other.purpose_;
    label_ = std::move(other.label_);
    kind_ = other.kind_;
  }
  return *this;
}

void DeviceBuffer::release() noexcept {
  if (data_ == nullptr) {
    return;
  }
  tracker_->record_deallocation(data_);
  if (kind_ == MemoryKind::PinnedHost) {
    cudaFreeHost(data_);
  } else {
    cudaFree(data_);
  }
  data_ = nullptr;
}

} // namespace worker::engine
