/* A stand-in for libcuda.so.1 with the three entry points the runtime
 * resolves, so that CudaDriver and CudaResidencyOracle are tested end to
 * end (dlopen, cuInit, attribute marshalling, error names) on machines
 * without a GPU. Built twice: normally, and with FAKE_CUDA_INIT_FAILS. */
#include <stdint.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
  kSuccess = 0,
  kInvalidValue = 1,
  kNoDevice = 100,
  kInvalidContext = 201,
  kAttrMemoryType = 2,
  kAttrIsManaged = 8,
  kAttrDeviceOrdinal = 9,
};

static int initialised = 0;

CUresult cuInit(unsigned int flags) {
  (void)flags;
#ifdef FAKE_CUDA_INIT_FAILS
  return kNoDevice;
#else
  initialised = 1;
  return kSuccess;
#endif
}

CUresult cuGetErrorName(CUresult error, const char** name) {
  switch (error) {
    case kSuccess: *name = "CUDA_SUCCESS"; return kSuccess;
    case kInvalidValue: *name = "CUDA_ERROR_INVALID_VALUE"; return kSuccess;
    case kNoDevice: *name = "CUDA_ERROR_NO_DEVICE"; return kSuccess;
    case kInvalidContext: *name = "CUDA_ERROR_INVALID_CONTEXT"; return kSuccess;
    default: *name = 0; return kInvalidValue;
  }
}

/* Address map (one 64 KiB range each):
 *   0x10000 device (ordinal 1), 0x20000 managed, 0x30000 host,
 *   0x40000 the call fails (INVALID_VALUE), 0x50000 INVALID_CONTEXT,
 *   anything else: success with every attribute left at its default. */
CUresult cuPointerGetAttributes(unsigned int count, const int* attributes, void** data, CUdeviceptr ptr) {
  if (!initialised) {
    return 3; /* CUDA_ERROR_NOT_INITIALIZED */
  }
  const CUdeviceptr range = ptr & ~(CUdeviceptr)0xffff;
  unsigned type = 0, managed = 0;
  int ordinal = -2;
  if (range == 0x40000) return kInvalidValue;
  if (range == 0x50000) return kInvalidContext;
  if (range == 0x10000) { type = 2; ordinal = 1; }
  if (range == 0x20000) { type = 2; managed = 1; ordinal = 0; }
  if (range == 0x30000) { type = 1; ordinal = 0; }
  for (unsigned i = 0; i < count; ++i) {
    switch (attributes[i]) {
      case kAttrMemoryType: if (type) memcpy(data[i], &type, sizeof type); break;
      case kAttrIsManaged: memcpy(data[i], &managed, sizeof managed); break;
      case kAttrDeviceOrdinal: if (ordinal != -2) memcpy(data[i], &ordinal, sizeof ordinal); break;
      default: return kInvalidValue; /* the runtime asks for nothing else */
    }
  }
  return kSuccess;
}
