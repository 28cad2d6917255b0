#include "driver_functions.hpp"

#include <cuda.h>
#include <cupti_driver_cbid.h>
#include <dlfcn.h>

namespace vram_only::attach {
namespace {

struct Driver {
  CUresult (*ctx_get_device)(CUdevice*) = nullptr;
  CUresult (*pointer_get_attribute)(void*, CUpointer_attribute, CUdeviceptr) = nullptr;
  CUresult (*driver_get_version)(int*) = nullptr;
  CUresult (*ctx_get_device_v2)(CUdevice*, CUcontext) = nullptr;
  CUresult (*library_get_managed)(CUdeviceptr*, size_t*, CUlibrary, const char*) = nullptr;
  CUresult (*library_get_global)(CUdeviceptr*, size_t*, CUlibrary, const char*) = nullptr;
  CUresult (*module_get_global)(CUdeviceptr*, size_t*, CUmodule, const char*) = nullptr;
};

Driver& driver() {
  static Driver d;
  return d;
}

template <class F>
void resolve(void* library, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(library, name));
}

}  // namespace

bool open_driver_functions() {
  void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (library == nullptr) library = dlopen("libcuda.so.1", RTLD_NOW);
  if (library == nullptr) return false;
  Driver& d = driver();
  resolve(library, "cuCtxGetDevice", d.ctx_get_device);
  resolve(library, "cuPointerGetAttribute", d.pointer_get_attribute);
  resolve(library, "cuDriverGetVersion", d.driver_get_version);
  resolve(library, "cuCtxGetDevice_v2", d.ctx_get_device_v2);
  resolve(library, "cuLibraryGetManaged", d.library_get_managed);
  resolve(library, "cuLibraryGetGlobal", d.library_get_global);
  resolve(library, "cuModuleGetGlobal_v2", d.module_get_global);
  return true;
}

int current_device() {
  CUdevice device = -1;
  const Driver& d = driver();
  if (d.ctx_get_device == nullptr || d.ctx_get_device(&device) != CUDA_SUCCESS) return -1;
  return static_cast<int>(device);
}

int context_device(const void* context) {
  CUdevice device = -1;
  const Driver& d = driver();
  if (d.ctx_get_device_v2 == nullptr ||
      d.ctx_get_device_v2(&device, static_cast<CUcontext>(const_cast<void*>(context))) != CUDA_SUCCESS) {
    return -1;
  }
  return static_cast<int>(device);
}

std::size_t variable_size(std::uint32_t cbid, const void* handle, const char* name) {
  const Driver& d = driver();
  if (handle == nullptr || name == nullptr) return 0;
  CUdeviceptr pointer = 0;
  size_t bytes = 0;
  CUresult result = CUDA_ERROR_NOT_SUPPORTED;
  auto* h = const_cast<void*>(handle);
  if (cbid == CUPTI_DRIVER_TRACE_CBID_cuLibraryGetManaged && d.library_get_managed != nullptr) {
    result = d.library_get_managed(&pointer, &bytes, static_cast<CUlibrary>(h), name);
  } else if (cbid == CUPTI_DRIVER_TRACE_CBID_cuLibraryGetGlobal && d.library_get_global != nullptr) {
    result = d.library_get_global(&pointer, &bytes, static_cast<CUlibrary>(h), name);
  } else if (cbid == CUPTI_DRIVER_TRACE_CBID_cuModuleGetGlobal_v2 && d.module_get_global != nullptr) {
    result = d.module_get_global(&pointer, &bytes, static_cast<CUmodule>(h), name);
  }
  return result == CUDA_SUCCESS ? bytes : 0;
}

bool is_managed(std::uint64_t pointer) {
  unsigned int managed = 0;
  const Driver& d = driver();
  return d.pointer_get_attribute != nullptr &&
         d.pointer_get_attribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED, static_cast<CUdeviceptr>(pointer)) ==
             CUDA_SUCCESS &&
         managed != 0;
}

int driver_version() {
  int version = 0;
  const Driver& d = driver();
  if (d.driver_get_version == nullptr || d.driver_get_version(&version) != CUDA_SUCCESS) return 0;
  return version;
}

}  // namespace vram_only::attach
