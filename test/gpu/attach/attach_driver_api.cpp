// The driver API directly (no cudart): cuMemAlloc, VMM on the device
// (cuMemCreate + cuMemMap: tracked, released by cuMemUnmap), and the
// forbidden ones: cuMemAllocManaged (512 KiB), cuMemHostAlloc (96 KiB,
// portable), cuMemAllocHost (32 KiB), and VMM on a host NUMA location
// (2 MiB granule; "skipped host_numa" when the system does not support it).
#include <cuda.h>

#include "attach_programs.hpp"

int main() {
  CHECK_CUDA(cuInit(0));
  CUdevice device;
  CHECK_CUDA(cuDeviceGet(&device, 0));
  CUcontext context;
  CHECK_CUDA(cuDevicePrimaryCtxRetain(&context, device));
  CHECK_CUDA(cuCtxSetCurrent(context));

  CUdeviceptr plain;
  CHECK_CUDA(cuMemAlloc(&plain, 5 << 20));
  std::printf("cuMemAlloc 5242880\n");

  CUmemAllocationProp prop = {};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = 0;
  size_t granularity = 0;
  CHECK_CUDA(cuMemGetAllocationGranularity(&granularity, &prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM));
  const size_t size = 4 * granularity;
  CUmemGenericAllocationHandle handle;
  CHECK_CUDA(cuMemCreate(&handle, size, &prop, 0));
  CUdeviceptr va;
  CHECK_CUDA(cuMemAddressReserve(&va, size, 0, 0, 0));
  CHECK_CUDA(cuMemMap(va, size, 0, handle, 0));
  CUmemAccessDesc access = {};
  access.location = prop.location;
  access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  CHECK_CUDA(cuMemSetAccess(va, size, &access, 1));
  CHECK_CUDA(cuMemsetD8(va, 1, size));
  std::printf("cuMemCreate+cuMemMap %zu\n", size);

  CUdeviceptr managed;
  CHECK_CUDA(cuMemAllocManaged(&managed, 512 << 10, CU_MEM_ATTACH_GLOBAL));
  std::printf("cuMemAllocManaged 524288\n");
  void* host = nullptr;
  CHECK_CUDA(cuMemHostAlloc(&host, 96 << 10, CU_MEMHOSTALLOC_PORTABLE));
  std::printf("cuMemHostAlloc 98304\n");
  void* host2 = nullptr;
  CHECK_CUDA(cuMemAllocHost(&host2, 32 << 10));
  std::printf("cuMemAllocHost 32768\n");

  CUmemAllocationProp host_prop = {};
  host_prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  host_prop.location.type = CU_MEM_LOCATION_TYPE_HOST_NUMA;
  host_prop.location.id = 0;
  size_t host_granularity = 0;
  CUmemGenericAllocationHandle host_handle = 0;
  if (cuMemGetAllocationGranularity(&host_granularity, &host_prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM) ==
          CUDA_SUCCESS &&
      cuMemCreate(&host_handle, host_granularity, &host_prop, 0) == CUDA_SUCCESS) {
    std::printf("cuMemCreate(HOST_NUMA) %zu\n", host_granularity);
    CHECK_CUDA(cuMemRelease(host_handle));
  } else {
    std::printf("skipped host_numa\n");
  }
  hold_if_asked();

  CHECK_CUDA(cuMemFreeHost(host2));
  CHECK_CUDA(cuMemFreeHost(host));
  CHECK_CUDA(cuMemFree(managed));
  CHECK_CUDA(cuMemUnmap(va, size));
  CHECK_CUDA(cuMemAddressFree(va, size));
  CHECK_CUDA(cuMemRelease(handle));
  CHECK_CUDA(cuMemFree(plain));
  CHECK_CUDA(cuDevicePrimaryCtxRelease(device));
  std::printf("freed all\n");
  return 0;
}
