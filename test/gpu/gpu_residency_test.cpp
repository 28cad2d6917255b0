// Real allocations of every kind in the facts table
// (/work/shared/facts/cuda-pointer-attributes.md, docs/runtime.md) and the
// exact verdict the runtime gives each, plus: the CUDA runtime's last-error
// state is untouched by every check, even with an error already pending.
#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <vram_only/residency.hpp>

#include "gpu_test_support.hpp"

namespace vram_only {
namespace {

std::string describe_verdict(const ResidencyVerdict& v) {
  return std::string(to_string(v.memory_type)) + " device=" + std::to_string(v.device) +
         " reason=\"" + v.reason + "\" cuda_error=" + std::to_string(v.cuda_error) + " " +
         v.cuda_error_name;
}

class GpuResidency : public ::testing::Test {
 protected:
  void SetUp() override {
    VRAM_ONLY_REQUIRE_GPU();
    VRAM_ONLY_CUDA_OK(cudaSetDevice(0));
    VRAM_ONLY_CUDA_OK(cudaFree(nullptr));  // make the primary context current
    ASSERT_EQ(cudaGetLastError(), cudaSuccess);
    ASSERT_TRUE(cuda_driver().available()) << cuda_driver().status();
  }

  // The verdict for p, and that the runtime's last error is what it was.
  void expect_verdict(const void* p, MemoryType expected, const std::string& what,
                      int expected_device = -2) {
    const cudaError_t before = cudaPeekAtLastError();
    const ResidencyVerdict v = query_pointer_residency(p);
    const bool resident = check_pointer_residency(p);
    const cudaError_t after = cudaPeekAtLastError();
    EXPECT_EQ(v.memory_type, expected) << what << ": got " << describe_verdict(v);
    EXPECT_EQ(resident, expected == MemoryType::Device) << what;
    EXPECT_EQ(v.resident(), expected == MemoryType::Device) << what;
    EXPECT_EQ(after, before) << what << ": the check changed cudaPeekAtLastError from "
                             << cudaGetErrorName(before) << " to " << cudaGetErrorName(after);
    if (expected_device != -2) {
      EXPECT_EQ(v.device, expected_device) << what << ": " << describe_verdict(v);
    }
  }
};

TEST_F(GpuResidency, CudaMallocInteriorAndOnePastTheEnd) {
  constexpr std::size_t kBytes = 1 << 20;
  void* p = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&p, kBytes));
  auto* bytes = static_cast<char*>(p);
  expect_verdict(p, MemoryType::Device, "cudaMalloc", 0);
  expect_verdict(bytes + 1000, MemoryType::Device, "pointer inside a cudaMalloc", 0);
  expect_verdict(bytes + kBytes - 1, MemoryType::Device, "last byte of a cudaMalloc", 0);
  expect_verdict(bytes + kBytes, MemoryType::Unregistered, "one byte past a cudaMalloc");
  VRAM_ONLY_CUDA_OK(cudaFree(p));
  expect_verdict(p, MemoryType::Unregistered, "freed cudaMalloc");
}

TEST_F(GpuResidency, ManagedMemoryAlsoAfterPrefetch) {
  constexpr std::size_t kBytes = 1 << 20;  // a few MiB at most
  void* p = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMallocManaged(&p, kBytes));
  expect_verdict(p, MemoryType::Managed, "cudaMallocManaged");
  int concurrent = 0;
  VRAM_ONLY_CUDA_OK(cudaDeviceGetAttribute(&concurrent, cudaDevAttrConcurrentManagedAccess, 0));
  if (concurrent != 0) {
    cudaMemLocation location{};
    location.type = cudaMemLocationTypeDevice;
    location.id = 0;
    VRAM_ONLY_CUDA_OK(cudaMemPrefetchAsync(p, kBytes, location, 0, nullptr));
    VRAM_ONLY_CUDA_OK(cudaDeviceSynchronize());
    expect_verdict(p, MemoryType::Managed, "cudaMallocManaged prefetched to the GPU");
    expect_verdict(static_cast<char*>(p) + 4096, MemoryType::Managed, "inside prefetched managed");
  }
  VRAM_ONLY_CUDA_OK(cudaFree(p));
}

TEST_F(GpuResidency, PinnedHostAllocations) {
  for (const unsigned flags : {cudaHostAllocDefault, cudaHostAllocMapped, cudaHostAllocPortable,
                               cudaHostAllocWriteCombined}) {
    void* p = nullptr;
    VRAM_ONLY_CUDA_OK(cudaHostAlloc(&p, 1 << 16, flags));
    expect_verdict(p, MemoryType::Host, "cudaHostAlloc flags=" + std::to_string(flags));
    VRAM_ONLY_CUDA_OK(cudaFreeHost(p));
    expect_verdict(p, MemoryType::Unregistered, "after cudaFreeHost");
  }
  void* p = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMallocHost(&p, 1 << 16));
  expect_verdict(p, MemoryType::Host, "cudaMallocHost");
  expect_verdict(static_cast<char*>(p) + 100, MemoryType::Host, "inside cudaMallocHost");
  VRAM_ONLY_CUDA_OK(cudaFreeHost(p));
  expect_verdict(p, MemoryType::Unregistered, "freed cudaMallocHost");
}

TEST_F(GpuResidency, RegisteredHostMemory) {
  constexpr std::size_t kBytes = 1 << 16;
  for (const unsigned flags : {cudaHostRegisterDefault, cudaHostRegisterMapped,
                               cudaHostRegisterPortable}) {
    void* p = std::aligned_alloc(4096, kBytes);
    ASSERT_NE(p, nullptr);
    expect_verdict(p, MemoryType::Unregistered, "page-aligned malloc before registering");
    VRAM_ONLY_CUDA_OK(cudaHostRegister(p, kBytes, flags));
    expect_verdict(p, MemoryType::Host, "cudaHostRegister flags=" + std::to_string(flags));
    VRAM_ONLY_CUDA_OK(cudaHostUnregister(p));
    expect_verdict(p, MemoryType::Unregistered, "after cudaHostUnregister");
    std::free(p);
  }
}

TEST_F(GpuResidency, PlainHostMemory) {
  void* heap = std::malloc(4096);
  ASSERT_NE(heap, nullptr);
  expect_verdict(heap, MemoryType::Unregistered, "malloc");
  std::free(heap);
  int on_stack[16] = {};
  expect_verdict(on_stack, MemoryType::Unregistered, "stack");
  expect_verdict(nullptr, MemoryType::Unregistered, "nullptr");
  EXPECT_STREQ(query_pointer_residency(nullptr).reason, "null pointer");
}

TEST_F(GpuResidency, StreamOrderedAllocations) {
  cudaStream_t stream = nullptr;
  VRAM_ONLY_CUDA_OK(cudaStreamCreate(&stream));
  void* p = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMallocAsync(&p, 1 << 20, stream));
  VRAM_ONLY_CUDA_OK(cudaStreamSynchronize(stream));
  expect_verdict(p, MemoryType::Device, "cudaMallocAsync (default pool)", 0);
  VRAM_ONLY_CUDA_OK(cudaFreeAsync(p, stream));
  VRAM_ONLY_CUDA_OK(cudaStreamSynchronize(stream));
  cudaMemPool_t pool = nullptr;
  VRAM_ONLY_CUDA_OK(cudaDeviceGetDefaultMemPool(&pool, 0));
  VRAM_ONLY_CUDA_OK(cudaMemPoolTrimTo(pool, 0));  // give the memory back for sure
  expect_verdict(p, MemoryType::Unregistered, "after cudaFreeAsync");
  VRAM_ONLY_CUDA_OK(cudaStreamDestroy(stream));
}

// The driver's virtual memory management API (cuMemCreate + cuMemMap).
struct Vmm {
  decltype(&cuMemGetAllocationGranularity) granularity =
      gpu_testing::driver_entry<decltype(&cuMemGetAllocationGranularity)>("cuMemGetAllocationGranularity");
  decltype(&cuMemCreate) create = gpu_testing::driver_entry<decltype(&cuMemCreate)>("cuMemCreate");
  decltype(&cuMemAddressReserve) reserve =
      gpu_testing::driver_entry<decltype(&cuMemAddressReserve)>("cuMemAddressReserve");
  decltype(&cuMemMap) map = gpu_testing::driver_entry<decltype(&cuMemMap)>("cuMemMap");
  decltype(&cuMemSetAccess) set_access =
      gpu_testing::driver_entry<decltype(&cuMemSetAccess)>("cuMemSetAccess");
  decltype(&cuMemUnmap) unmap = gpu_testing::driver_entry<decltype(&cuMemUnmap)>("cuMemUnmap");
  decltype(&cuMemRelease) release = gpu_testing::driver_entry<decltype(&cuMemRelease)>("cuMemRelease");
  decltype(&cuMemAddressFree) address_free =
      gpu_testing::driver_entry<decltype(&cuMemAddressFree)>("cuMemAddressFree");
  decltype(&cuDeviceGetAttribute) attribute =
      gpu_testing::driver_entry<decltype(&cuDeviceGetAttribute)>("cuDeviceGetAttribute");

  bool complete() const {
    return granularity && create && reserve && map && set_access && unmap && release &&
           address_free && attribute;
  }

  // Maps one granule at `location`; returns the result of the first failing step.
  CUresult allocate(CUmemLocation location, CUdeviceptr* ptr, std::size_t* size,
                    CUmemGenericAllocationHandle* handle) const {
    CUmemAllocationProp prop{};
    prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
    prop.location = location;
    std::size_t gran = 0;
    CUresult r = granularity(&gran, &prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM);
    if (r != CUDA_SUCCESS) return r;
    *size = gran;
    r = create(handle, gran, &prop, 0);
    if (r != CUDA_SUCCESS) return r;
    r = reserve(ptr, gran, gran, 0, 0);
    if (r != CUDA_SUCCESS) {
      release(*handle);
      return r;
    }
    r = map(*ptr, gran, 0, *handle, 0);
    if (r != CUDA_SUCCESS) {
      address_free(*ptr, gran);
      release(*handle);
      return r;
    }
    CUmemAccessDesc access{};
    access.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    access.location.id = 0;
    access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    r = set_access(*ptr, gran, &access, 1);
    if (r != CUDA_SUCCESS) {
      free(*ptr, gran, *handle);
    }
    return r;
  }

  void free(CUdeviceptr ptr, std::size_t size, CUmemGenericAllocationHandle handle) const {
    unmap(ptr, size);
    address_free(ptr, size);
    release(handle);
  }
};

const void* as_pointer(CUdeviceptr p) {
  return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(p));
}

TEST_F(GpuResidency, VirtualMemoryOnTheDevice) {
  const Vmm vmm;
  ASSERT_TRUE(vmm.complete()) << "a cuMem* entry point is missing";
  CUmemLocation location{};
  location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  location.id = 0;
  CUdeviceptr ptr = 0;
  std::size_t size = 0;
  CUmemGenericAllocationHandle handle = 0;
  ASSERT_EQ(vmm.allocate(location, &ptr, &size, &handle), CUDA_SUCCESS);
  expect_verdict(as_pointer(ptr), MemoryType::Device, "cuMemCreate on the device + cuMemMap", 0);
  expect_verdict(as_pointer(ptr + size - 1), MemoryType::Device, "last byte of the VMM mapping", 0);
  vmm.free(ptr, size, handle);
  expect_verdict(as_pointer(ptr), MemoryType::Unregistered, "unmapped VMM range");
}

TEST_F(GpuResidency, VirtualMemoryOnHostNuma) {
  const Vmm vmm;
  ASSERT_TRUE(vmm.complete()) << "a cuMem* entry point is missing";
  int supported = 0;
  int numa_id = -1;
  ASSERT_EQ(vmm.attribute(&supported, CU_DEVICE_ATTRIBUTE_HOST_NUMA_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, 0),
            CUDA_SUCCESS);
  ASSERT_EQ(vmm.attribute(&numa_id, CU_DEVICE_ATTRIBUTE_HOST_NUMA_ID, 0), CUDA_SUCCESS);
  if (supported == 0 || numa_id < 0) {
    GTEST_SKIP() << "device 0 does not support cuMemCreate on host NUMA memory (supported="
                 << supported << ", host NUMA id=" << numa_id << ")";
  }
  CUmemLocation location{};
  location.type = CU_MEM_LOCATION_TYPE_HOST_NUMA;
  location.id = numa_id;
  CUdeviceptr ptr = 0;
  std::size_t size = 0;
  CUmemGenericAllocationHandle handle = 0;
  const CUresult r = vmm.allocate(location, &ptr, &size, &handle);
  if (r == CUDA_ERROR_NOT_SUPPORTED) {
    GTEST_SKIP() << "cuMemCreate on host NUMA node " << numa_id << ": CUDA_ERROR_NOT_SUPPORTED";
  }
  ASSERT_EQ(r, CUDA_SUCCESS) << "VMM on host NUMA node " << numa_id;
  expect_verdict(as_pointer(ptr), MemoryType::Host, "cuMemCreate on host NUMA + cuMemMap");
  vmm.free(ptr, size, handle);
}

TEST_F(GpuResidency, PoolOnHostNuma) {
  int supported = 0;
  int numa_id = -1;
  VRAM_ONLY_CUDA_OK(cudaDeviceGetAttribute(&supported, cudaDevAttrHostNumaMemoryPoolsSupported, 0));
  VRAM_ONLY_CUDA_OK(cudaDeviceGetAttribute(&numa_id, cudaDevAttrHostNumaId, 0));
  if (supported == 0 || numa_id < 0) {
    GTEST_SKIP() << "device 0 does not support host-NUMA memory pools (supported=" << supported
                 << ", host NUMA id=" << numa_id << ")";
  }
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeHostNuma;
  props.location.id = numa_id;
  cudaMemPool_t pool = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMemPoolCreate(&pool, &props));
  cudaStream_t stream = nullptr;
  VRAM_ONLY_CUDA_OK(cudaStreamCreate(&stream));
  void* p = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMallocFromPoolAsync(&p, 1 << 20, pool, stream));
  VRAM_ONLY_CUDA_OK(cudaStreamSynchronize(stream));
  expect_verdict(p, MemoryType::Host, "pool with cudaMemLocationTypeHostNuma");
  VRAM_ONLY_CUDA_OK(cudaFreeAsync(p, stream));
  VRAM_ONLY_CUDA_OK(cudaStreamSynchronize(stream));
  VRAM_ONLY_CUDA_OK(cudaStreamDestroy(stream));
  VRAM_ONLY_CUDA_OK(cudaMemPoolDestroy(pool));
}

// Makes the runtime's last error non-success without a sticky error.
cudaError_t make_pending_error() {
  void* huge = nullptr;
  if (cudaMalloc(&huge, std::size_t{1} << 60) == cudaSuccess) {
    cudaFree(huge);
  }
  if (cudaPeekAtLastError() != cudaSuccess) {
    return cudaPeekAtLastError();
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 1 << 20);  // no such device
  return cudaPeekAtLastError();
}

TEST_F(GpuResidency, APendingErrorSurvivesEveryCheck) {
  void* device = nullptr;
  void* managed = nullptr;
  void* pinned = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&device, 1 << 20));
  VRAM_ONLY_CUDA_OK(cudaMallocManaged(&managed, 1 << 20));
  VRAM_ONLY_CUDA_OK(cudaMallocHost(&pinned, 1 << 16));
  void* freed = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&freed, 1 << 20));
  VRAM_ONLY_CUDA_OK(cudaFree(freed));
  int on_stack = 0;

  const cudaError_t pending = make_pending_error();
  if (pending == cudaSuccess) {
    GTEST_SKIP() << "could not provoke a non-sticky pending runtime error";
  }
  expect_verdict(device, MemoryType::Device, "device, error pending", 0);
  expect_verdict(managed, MemoryType::Managed, "managed, error pending");
  expect_verdict(pinned, MemoryType::Host, "pinned, error pending");
  expect_verdict(freed, MemoryType::Unregistered, "freed, error pending");
  expect_verdict(&on_stack, MemoryType::Unregistered, "stack, error pending");
  expect_verdict(nullptr, MemoryType::Unregistered, "nullptr, error pending");
  // The worker still sees its own error, exactly once.
  EXPECT_EQ(cudaGetLastError(), pending);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);

  VRAM_ONLY_CUDA_OK(cudaFree(device));
  VRAM_ONLY_CUDA_OK(cudaFree(managed));
  VRAM_ONLY_CUDA_OK(cudaFreeHost(pinned));
}

TEST_F(GpuResidency, ChecksFromAFreshThreadCreateNoContext) {
  void* p = nullptr;
  VRAM_ONLY_CUDA_OK(cudaMalloc(&p, 1 << 20));
  auto get_current = reinterpret_cast<CUresult (*)(CUcontext*)>(cuda_driver().symbol("cuCtxGetCurrent"));
  ASSERT_NE(get_current, nullptr);
  CUcontext before = reinterpret_cast<CUcontext>(1);
  CUcontext after = reinterpret_cast<CUcontext>(1);
  MemoryType type = MemoryType::Error;
  std::thread fresh([&] {
    get_current(&before);
    type = query_pointer_residency(p).memory_type;
    get_current(&after);
  });
  fresh.join();
  EXPECT_EQ(before, nullptr);
  EXPECT_EQ(after, nullptr);
  EXPECT_EQ(type, MemoryType::Device);
  VRAM_ONLY_CUDA_OK(cudaFree(p));
}

}  // namespace
}  // namespace vram_only
