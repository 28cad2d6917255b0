// The core headers compile as CUDA (nvcc): the example worker includes them
// from .cu files and passes DeviceView to kernels. Runs host code only, so
// it needs no GPU.
#include <vram_only/vram_only.hpp>

#include <cstdint>
#include <cstdio>

__global__ void scale(vram_only::DeviceView<float> out, vram_only::DeviceView<const float> in,
                      float factor) {
  const std::size_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < out.size()) {
    out[i] = in[i] * factor;
  }
}

namespace {

class AlwaysDevice final : public vram_only::ResidencyOracle {
 public:
  vram_only::ResidencyVerdict query(const void*) const noexcept override {
    return vram_only::classify_pointer_attributes(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 0, 0, "");
  }
};

int failures = 0;

void expect(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

}  // namespace

int main() {
  AlwaysDevice oracle;
  vram_only::TrackerOptions options;
  options.oracle = &oracle;
  vram_only::VramTracker tracker(options);
  auto* base = reinterpret_cast<float*>(std::uintptr_t{0x7f0000000000});
  expect(tracker.record_allocation(base, 4096 * sizeof(float), vram_only::VramPurpose::Activations, "x", 0),
         "record_allocation");
  expect(tracker.find(base + 100).has_value(), "find");
  expect(!vram_only::check_tensor_range(tracker, base, 4096 * sizeof(float)).has_value(),
         "check_tensor_range");
  const auto view = vram_only::checked_view(tracker, base, 4096);
  const vram_only::DeviceView<const float> in = view;
  expect(in.size() == 4096 && view.subview(4000, 200).size() == 96, "DeviceView");
  expect(tracker.verify_vram_residency().resident(), "verify_vram_residency");
  expect(reinterpret_cast<const void*>(&scale) != nullptr, "kernel");
  expect(tracker.record_deallocation(base), "record_deallocation");
  if (failures == 0) {
    std::printf("nvcc header test: ok\n");
  }
  return failures == 0 ? 0 : 1;
}
