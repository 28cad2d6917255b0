// vram-managed-memory on host C++ that includes the toolkit with -I, as most
// builds do: clang does not treat CUDA's headers as system headers then, yet
// nothing is reported inside them (cuda_runtime.h's templates call the C
// functions), even with --header-filter='.*' --system-headers. A header of the
// worker's own is reported. With per-thread default streams, cuda.h and
// cuda_runtime_api.h rename calls (_ptsz); the findings keep the written names.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-managed-memory' %s \
// RUN:   --header-filter='.*' --system-headers -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s -DINPUTS=%S/Inputs --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-managed-memory' %s \
// RUN:   --header-filter='.*' --system-headers -- %cuda_cxx_flags \
// RUN:   -DCUDA_API_PER_THREAD_DEFAULT_STREAM 2>&1 \
// RUN:   | FileCheck %s -DFILE=%s -DINPUTS=%S/Inputs --check-prefix=CHECK-MESSAGES \
// RUN:       --implicit-check-not='{{warning|error}}:'
//
// CHECK-MESSAGES: [[INPUTS]]/managed_pool.h:4:60: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]

#include <cuda.h>
#include <cuda_runtime.h>

#include "Inputs/managed_pool.h"

void hostWorker(float **weights, CUdeviceptr *pages, size_t n, cudaStream_t stream) {
  cudaMallocManaged(weights, n);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  cudaMallocManaged((void **)weights, n, cudaMemAttachGlobal);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]
  cuMemAllocManaged(pages, n, CU_MEM_ATTACH_GLOBAL);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemAllocManaged allocates managed (unified) memory that can migrate to host RAM; use cuMemAlloc [vram-managed-memory]
  cudaMemLocation device{};
  device.type = cudaMemLocationTypeDevice;
  cudaMemPrefetchAsync(*weights, n, device, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMemPrefetchAsync migrates managed (unified) memory between host RAM and devices; keep the data in cudaMalloc memory and copy it with cudaMemcpyAsync [vram-managed-memory]
  size_t locationIndex = 0;
  cudaMemPrefetchBatchAsync((void **)weights, &n, 1, &device, &locationIndex, 1, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMemPrefetchBatchAsync migrates managed (unified) memory between host RAM and devices; keep the data in cudaMalloc memory and copy it with cudaMemcpyAsync [vram-managed-memory]
  cudaMemDiscardBatchAsync((void **)weights, &n, 1, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMemDiscardBatchAsync discards pages of managed (unified) memory, which exists only for managed memory; keep the data in cudaMalloc memory [vram-managed-memory]
  cudaMemDiscardAndPrefetchBatchAsync((void **)weights, &n, 1, &device, &locationIndex, 1, 0, stream);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMemDiscardAndPrefetchBatchAsync discards and migrates managed (unified) memory between host RAM and devices; keep the data in cudaMalloc memory and copy it with cudaMemcpyAsync [vram-managed-memory]
  cudaMemAdvise(*weights, n, cudaMemAdviseSetPreferredLocation, device);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaMemAdvise sets migration hints, which exist only for managed (unified) memory; keep the data in cudaMalloc memory, which never migrates [vram-managed-memory]
  CUmemLocation driverDevice{};
  driverDevice.type = CU_MEM_LOCATION_TYPE_DEVICE;
  cuMemPrefetchAsync(*pages, n, driverDevice, 0, nullptr);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemPrefetchAsync migrates managed (unified) memory between host RAM and devices; keep the data in cuMemAlloc memory and copy it with cuMemcpyAsync [vram-managed-memory]
  cuMemAdvise(*pages, n, CU_MEM_ADVISE_SET_PREFERRED_LOCATION, driverDevice);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuMemAdvise sets migration hints, which exist only for managed (unified) memory; keep the data in cuMemAlloc memory, which never migrates [vram-managed-memory]
  cuStreamAttachMemAsync(nullptr, *pages, 0, CU_MEM_ATTACH_SINGLE);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cuStreamAttachMemAsync attaches managed (unified) memory to a stream, which exists only for managed memory; keep the data in cuMemAlloc memory [vram-managed-memory]
  cudaStreamAttachMemAsync(stream, *weights);
  // CHECK-MESSAGES: [[FILE]]:[[@LINE-1]]:3: warning: cudaStreamAttachMemAsync attaches managed (unified) memory to a stream, which exists only for managed memory; keep the data in cudaMalloc memory [vram-managed-memory]
}
