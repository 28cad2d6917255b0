// Access to the CUDA driver API without linking to it.
//
// libcuda.so.1 is opened with dlopen at first use, cuInit(0) is called once
// (it creates no context), and the few entry points the runtime needs are
// resolved with dlsym. A binary using the runtime therefore loads and runs
// on machines without a driver (CI); there every residency query answers
// Error "CUDA driver not available", which the checks treat as a violation
// (fail closed).
//
// Why the driver API and not cudaPointerGetAttributes: the driver call never
// touches the CUDA runtime's last-error state (the runtime call sets it on
// failure, and clearing it would swallow the worker's own pending error), it
// is about twice as cheap, and it creates no context.
//
// Thread-safety: construction of the process-wide instance is thread-safe
// (function-local static); all member functions are const and thread-safe.
#pragma once

#include <cuda.h>
#include <dlfcn.h>

#include <string>

namespace vram_only {

class CudaDriver {
 public:
  using PointerGetAttributesFn = CUresult (*)(unsigned int, CUpointer_attribute*, void**,
                                              CUdeviceptr);
  using GetErrorNameFn = CUresult (*)(CUresult, const char**);
  using InitFn = CUresult (*)(unsigned int);

  // Opens `library` (a soname or path) and initialises the driver. Never
  // throws: failures are kept and reported through available() / status().
  explicit CudaDriver(const char* library = "libcuda.so.1") noexcept { load(library); }

  ~CudaDriver() {
    if (handle_ != nullptr) {
      dlclose(handle_);
    }
  }

  CudaDriver(const CudaDriver&) = delete;
  CudaDriver& operator=(const CudaDriver&) = delete;

  // True when the library was opened, the entry points were found and
  // cuInit(0) succeeded.
  bool available() const noexcept { return available_; }

  // Why the driver is not available ("" when it is); stable for the
  // lifetime of this object.
  const char* status() const noexcept { return status_.c_str(); }

  // The result of cuInit(0) (CUDA_SUCCESS when it was not reached).
  CUresult init_result() const noexcept { return init_result_; }

  // cuPointerGetAttributes; CUDA_ERROR_NOT_INITIALIZED when not available().
  CUresult pointer_get_attributes(unsigned int count, CUpointer_attribute* attributes,
                                  void** data, CUdeviceptr ptr) const noexcept {
    if (!available_) {
      return CUDA_ERROR_NOT_INITIALIZED;
    }
    return pointer_get_attributes_(count, attributes, data, ptr);
  }

  // The name of a driver result ("CUDA_ERROR_INVALID_VALUE"), or
  // "CUDA_ERROR_UNKNOWN_CODE" when the driver cannot name it.
  const char* error_name(CUresult result) const noexcept {
    const char* name = nullptr;
    if (get_error_name_ != nullptr && get_error_name_(result, &name) == CUDA_SUCCESS &&
        name != nullptr) {
      return name;
    }
    return "CUDA_ERROR_UNKNOWN_CODE";
  }

  // Any other driver entry point by its exported name (e.g. "cuCtxGetCurrent",
  // "cuMemAlloc_v2"); nullptr when the driver was not opened or lacks it.
  void* symbol(const char* name) const noexcept {
    return handle_ != nullptr ? dlsym(handle_, name) : nullptr;
  }

 private:
  void load(const char* library) noexcept {
    try {
      handle_ = dlopen(library, RTLD_NOW | RTLD_LOCAL);
      if (handle_ == nullptr) {
        const char* why = dlerror();
        status_ = std::string("CUDA driver not available (") + (why != nullptr ? why : library) + ")";
        return;
      }
      pointer_get_attributes_ =
          reinterpret_cast<PointerGetAttributesFn>(dlsym(handle_, "cuPointerGetAttributes"));
      get_error_name_ = reinterpret_cast<GetErrorNameFn>(dlsym(handle_, "cuGetErrorName"));
      auto init = reinterpret_cast<InitFn>(dlsym(handle_, "cuInit"));
      if (pointer_get_attributes_ == nullptr || init == nullptr) {
        status_ = std::string("CUDA driver not available (") + library +
                  " lacks cuInit or cuPointerGetAttributes)";
        return;
      }
      init_result_ = init(0);
      if (init_result_ != CUDA_SUCCESS) {
        status_ = std::string("CUDA driver not available (cuInit failed: ") +
                  error_name(init_result_) + ")";
        return;
      }
      available_ = true;
    } catch (...) {
      // Only std::bad_alloc can get here; the driver stays unavailable.
      available_ = false;
    }
  }

  void* handle_ = nullptr;
  PointerGetAttributesFn pointer_get_attributes_ = nullptr;
  GetErrorNameFn get_error_name_ = nullptr;
  CUresult init_result_ = CUDA_SUCCESS;
  bool available_ = false;
  std::string status_;
};

// The process-wide driver, opened at first use and never closed (it stays
// valid during static destruction, for monitors still running then).
inline const CudaDriver& cuda_driver() {
  static const CudaDriver* const driver = new CudaDriver("libcuda.so.1");
  return *driver;
}

}  // namespace vram_only
