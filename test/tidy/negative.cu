// Nothing here breaks VRAM-only, and all four checks must stay silent, host
// side and device side: comments, strings that are not looked up, names that
// merely contain a forbidden name, capability queries, VRAM that CUDA calls
// "pinned", frees, unevaluated operands, code the preprocessor skips, and the
// worker's own functions that share a name with the CUDA API in a namespace.
//
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s -- %cuda_host_flags 2>&1 \
// RUN:   | FileCheck /dev/null --allow-empty --implicit-check-not='{{warning|error}}:'
// RUN: %clang_tidy --load=%tidy_module --checks='-*,vram-*' %s -- %cuda_device_flags 2>&1 \
// RUN:   | FileCheck /dev/null --allow-empty --implicit-check-not='{{warning|error}}:'

#include <cuda.h>
#include <cuda_runtime.h>
#include <cudaTypedefs.h>
#include <dlfcn.h>
#include <thrust/device_vector.h>
#include <thrust/host_vector.h>

// cudaMallocManaged(&p, n); __managed__ int x; cudaHostAlloc(&p, n, cudaHostAllocMapped);
/* cuMemAllocHost(&p, n); dlsym(h, "cudaMallocHost"); thrust::universal_vector<int> v; */
const char *kHelp = "never call cudaMallocManaged, cudaHostAllocMapped or __managed__";

typedef CUresult (*tcuMemAllocHost)(void **, size_t);
tcuMemAllocHost loadedAllocHost = nullptr;
PFN_cuMemAllocHost_v3020 typedefFromCuda = nullptr;
int cudaHostAllocMappedCount = 0;
#define MY_cudaHostAllocMapped 1
struct Stats { int cudaMallocManaged; int managedMemory; };

namespace mock {
cudaError_t cudaMallocManaged(void **p, size_t n) { *p = nullptr; return n ? cudaSuccess : cudaErrorInvalidValue; }
}

#if 0
__managed__ int skipped;
void skippedToo() { cudaMallocHost(nullptr, 0); }
#endif
#ifdef __managed__
static const bool kHasManagedKeyword = true;
#endif

__global__ void scale(float *x, float s) { x[threadIdx.x] *= s; }

void vramOnlyWorker(int device, size_t bytes, cudaStream_t stream) {
  int canMap = 0, managed = 0, concurrent = 0;
  cudaDeviceGetAttribute(&canMap, cudaDevAttrCanMapHostMemory, device);
  cudaDeviceGetAttribute(&managed, cudaDevAttrManagedMemory, device);
  cudaDeviceGetAttribute(&concurrent, cudaDevAttrConcurrentManagedAccess, device);
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, device);
  bool mapsHost = prop.canMapHostMemory && prop.managedMemory;
  (void)mapsHost;

  float *weights = nullptr;
  cudaMalloc(&weights, bytes);
  cudaMallocAsync(&weights, bytes, stream);
  cudaMemsetAsync(weights, 0, bytes, stream);
  scale<<<1, 32, 0, stream>>>(weights, 0.5f);
  cudaFreeAsync(weights, stream);

  cudaMemPoolProps poolProps{};
  poolProps.allocType = cudaMemAllocationTypePinned;
  poolProps.location.type = cudaMemLocationTypeDevice;
  poolProps.location.id = device;
  cudaMemPool_t pool;
  cudaMemPoolCreate(&pool, &poolProps);

  cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync);
  cudaFreeHost(nullptr);
  size_t unevaluated = sizeof(cudaMallocManaged(&weights, 1)) + sizeof(&cuMemHostAlloc);
  decltype(&cuMemAllocHost) allocHostType = nullptr;
  (void)unevaluated;
  (void)allocHostType;

  Stats stats{};
  stats.cudaMallocManaged = 1;
  void *h = dlopen("libcudart.so", RTLD_NOW);
  dlsym(h, "cudaMalloc");
  dlsym(h, "cudaMallocManagedWrapper");
  void *mocked = nullptr;
  mock::cudaMallocManaged(&mocked, 16);

  thrust::device_vector<float> logits(1024);
  thrust::host_vector<float> hostCopy(16);
}

void driverVram(CUdevice dev, size_t bytes) {
  int canMap = 0;
  cuDeviceGetAttribute(&canMap, CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY, dev);
  cuDeviceGetAttribute(&canMap, CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, dev);
  CUcontext ctx;
  cuCtxCreate(&ctx, nullptr, CU_CTX_SCHED_AUTO, dev);
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = 0;
  CUmemGenericAllocationHandle handle;
  cuMemCreate(&handle, bytes, &prop, 0);
  CUdeviceptr d;
  cuMemAlloc(&d, bytes);
  cuMemFree(d);
}
