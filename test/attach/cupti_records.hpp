// Builds the callback records CUPTI delivers for each allocation API: the
// API's <name>_params struct (generated_cuda_meta.h), the callback id, the
// site and the CUresult. Each Call owns its params and out-values.
#pragma once

#define __CUDA_API_VERSION_INTERNAL 1
#include <cuda.h>
#include <cupti_driver_cbid.h>
#include <generated_cuda_meta.h>

#include <cstdint>
#include <memory>

#include "callback_decoder.hpp"

namespace vram_only::attach::testing {

// One driver call: params, and the enter / exit records for it.
template <class Params>
struct Call {
  std::uint32_t cbid;
  Params params{};
  CallbackRecord enter() const { return CallbackRecord{false, cbid, &params, 0, true}; }
  CallbackRecord exit(CUresult result = CUDA_SUCCESS) const {
    return CallbackRecord{true, cbid, &params, static_cast<int>(result), true};
  }
};

template <class Params>
Call<Params> call(std::uint32_t cbid) {
  return Call<Params>{cbid, {}};
}

}  // namespace vram_only::attach::testing
