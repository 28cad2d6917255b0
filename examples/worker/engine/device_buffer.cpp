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
    : bytes_(bytes), purpose_(purpose), label_(std::move(label)), kind_(kind) {
  const auto fail = [&](cudaError_t status) {
    kernels::check(status, ("allocating " + std::to_string(bytes) + " bytes (" + to_string(kind) +
                            ") for " + label_)
                               .c_str());
  };
  if (kind == MemoryKind::Device) {
    auto created = vram_only::DeviceAllocation::create(tracker, bytes, purpose_, label_);
    fail(created.error);
    device_ = std::move(created.allocation);
    return;
  }
  // The deliberate violations (--violate=...): recorded like VRAM so that
  // the sweep and the tensor checks find them.
  cudaError_t status = cudaSuccess;
  if (kind == MemoryKind::Managed) {
    // NOLINTNEXTLINE(vram-managed-memory): deliberate; --violate=managed-kv shows the runtime catching managed memory
    status = cudaMallocManaged(&data_, bytes);
  } else {
    // NOLINTNEXTLINE(vram-host-memory): deliberate; --violate=pinned-weights shows the runtime catching pinned host memory
    status = cudaMallocHost(&data_, bytes);
  }
  if (status != cudaSuccess) {
    data_ = nullptr;
    fail(status);
  }
  int device = -1;
  if (cudaGetDevice(&device) != cudaSuccess) {
    device = -1;
  }
  tracker_ = &tracker;
  tracker_->record_allocation(data_, bytes_, purpose_, label_, device);
}

DeviceBuffer::~DeviceBuffer() { release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : device_(std::move(other.device_)), tracker_(std::exchange(other.tracker_, nullptr)),
      data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)),
      purpose_(other.purpose_), label_(std::move(other.label_)), kind_(other.kind_) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    release();
    device_ = std::move(other.device_);
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
  device_.reset();
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
