// The seam between the runtime and CUDA: everything that needs a residency
// verdict (the free functions, the tracker's sweep, the tensor checks, the
// health monitor) asks a ResidencyOracle. The default one asks the CUDA
// driver; tests inject their own answers.
#pragma once

#include <cuda.h>

#include <cstdint>

#include "vram_only/cuda_driver.hpp"
#include "vram_only/residency_verdict.hpp"

namespace vram_only {

class ResidencyOracle {
 public:
  virtual ~ResidencyOracle() = default;

  // What memory `ptr` refers to. Must be thread-safe and must not throw.
  virtual ResidencyVerdict query(const void* ptr) const noexcept = 0;
};

// Asks the CUDA driver with one cuPointerGetAttributes call (MEMORY_TYPE,
// IS_MANAGED, DEVICE_ORDINAL). Creates no context, leaves the CUDA runtime's
// last-error state alone, and answers Error "CUDA driver not available"
// when libcuda.so.1 cannot be loaded or initialised.
class CudaResidencyOracle final : public ResidencyOracle {
 public:
  explicit CudaResidencyOracle(const CudaDriver& driver) noexcept : driver_(&driver) {}

  ResidencyVerdict query(const void* ptr) const noexcept override {
    if (ptr == nullptr) {
      ResidencyVerdict v;
      v.memory_type = MemoryType::Unregistered;
      v.reason = reasons::kNull;
      return v;
    }
    if (!driver_->available()) {
      ResidencyVerdict v;
      v.memory_type = MemoryType::Error;
      v.reason = driver_->status();
      // cuInit's result when the library loaded but failed to initialise;
      // no CUDA result at all when libcuda.so.1 could not be loaded.
      v.cuda_error = driver_->init_result();
      v.cuda_error_name = v.cuda_error != CUDA_SUCCESS ? driver_->error_name(driver_->init_result()) : "";
      return v;
    }
    unsigned int memory_type = 0;
    unsigned int is_managed = 0;  // the driver writes a 32-bit boolean
    int device_ordinal = -1;
    CUpointer_attribute attributes[3] = {CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                         CU_POINTER_ATTRIBUTE_IS_MANAGED,
                                         CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL};
    void* data[3] = {&memory_type, &is_managed, &device_ordinal};
    const CUresult result = driver_->pointer_get_attributes(
        3, attributes, data, static_cast<CUdeviceptr>(reinterpret_cast<std::uintptr_t>(ptr)));
    return classify_pointer_attributes(
        result, memory_type, is_managed, device_ordinal,
        result == CUDA_SUCCESS ? "" : driver_->error_name(result));
  }

 private:
  const CudaDriver* driver_;
};

// The process-wide oracle backed by cuda_driver().
inline const ResidencyOracle& cuda_residency_oracle() {
  static const CudaResidencyOracle* const oracle = new CudaResidencyOracle(cuda_driver());
  return *oracle;
}

}  // namespace vram_only
