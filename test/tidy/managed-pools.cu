// Managed memory without a classic name: a memory pool whose allocation
// type is managed (pool properties, the pools named by location and type,
// runtime and driver API), and the managed type or a host location spelled
// as a cast integer. A pinned pool on a device and a cast to a device
// location are ordinary VRAM.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s \
// RUN:   -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s \
// RUN:   -- %cuda_device_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>

void runtimePools(cudaMemPool_t *pool, int device) {
  cudaMemPoolProps props = {};
  props.allocType = cudaMemAllocationTypeManaged;
  // CHECK: [[FILE]]:[[@LINE-1]]:21: warning: cudaMemAllocationTypeManaged makes a memory pool of managed (unified) memory that can migrate to host RAM; use cudaMemAllocationTypePinned with a device location [vram-managed-memory]
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = device;
  cudaMemPoolCreate(pool, &props);

  cudaMemLocation location = {cudaMemLocationTypeDevice, device};
  cudaMemGetDefaultMemPool(pool, &location, cudaMemAllocationTypeManaged);
  // CHECK: [[FILE]]:[[@LINE-1]]:45: warning: cudaMemAllocationTypeManaged makes a memory pool of managed (unified) memory that can migrate to host RAM; use cudaMemAllocationTypePinned with a device location [vram-managed-memory]
  cudaMemGetMemPool(pool, &location, (cudaMemAllocationType)2);
  // CHECK: [[FILE]]:[[@LINE-1]]:38: warning: cudaMemAllocationTypeManaged makes a memory pool of managed (unified) memory that can migrate to host RAM; use cudaMemAllocationTypePinned with a device location (spelled as the integer 2) [vram-managed-memory]
  cudaMemSetMemPool(&location, static_cast<cudaMemAllocationType>(0x2), *pool);
  // CHECK: [[FILE]]:[[@LINE-1]]:32: warning: cudaMemAllocationTypeManaged makes a memory pool of managed (unified) memory that can migrate to host RAM; use cudaMemAllocationTypePinned with a device location (spelled as the integer 2) [vram-managed-memory]

  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = (cudaMemLocationType)2;
  // CHECK: [[FILE]]:[[@LINE-1]]:25: warning: cudaMemLocationTypeHost places memory in host RAM; use cudaMemLocationTypeDevice (spelled as the integer 2) [vram-mapped-memory]
  props.location.type = (cudaMemLocationType)1; // a device: VRAM
  cudaMemGetDefaultMemPool(pool, &location, cudaMemAllocationTypePinned);
}

void driverPools(CUmemoryPool *pool, CUdevice device) {
  CUmemPoolProps props = {};
  props.allocType = CU_MEM_ALLOCATION_TYPE_MANAGED;
  // CHECK: [[FILE]]:[[@LINE-1]]:21: warning: CU_MEM_ALLOCATION_TYPE_MANAGED makes a memory pool of managed (unified) memory that can migrate to host RAM; use CU_MEM_ALLOCATION_TYPE_PINNED with a device location [vram-managed-memory]
  props.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  props.location.id = device;
  cuMemPoolCreate(pool, &props);

  CUmemLocation location = {CU_MEM_LOCATION_TYPE_DEVICE, device};
  cuMemGetDefaultMemPool(pool, &location, CU_MEM_ALLOCATION_TYPE_MANAGED);
  // CHECK: [[FILE]]:[[@LINE-1]]:43: warning: CU_MEM_ALLOCATION_TYPE_MANAGED makes a memory pool of managed (unified) memory that can migrate to host RAM; use CU_MEM_ALLOCATION_TYPE_PINNED with a device location [vram-managed-memory]
  cuMemSetMemPool(&location, CUmemAllocationType(2), *pool);
  // CHECK: [[FILE]]:[[@LINE-1]]:30: warning: CU_MEM_ALLOCATION_TYPE_MANAGED makes a memory pool of managed (unified) memory that can migrate to host RAM; use CU_MEM_ALLOCATION_TYPE_PINNED with a device location (spelled as the integer 2) [vram-managed-memory]
  location.type = CUmemLocationType(0x2);
  // CHECK: [[FILE]]:[[@LINE-1]]:19: warning: CU_MEM_LOCATION_TYPE_HOST places memory in host RAM; use CU_MEM_LOCATION_TYPE_DEVICE (spelled as the integer 2) [vram-mapped-memory]
  cuMemGetDefaultMemPool(pool, &location, CU_MEM_ALLOCATION_TYPE_PINNED);
}
