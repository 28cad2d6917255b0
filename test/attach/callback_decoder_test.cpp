// The decoding of every allocation API's callback record, at API_ENTER and
// API_EXIT, with the structs CUPTI delivers.
#include "cupti_records.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace vram_only::attach {
namespace {

using testing::call;

int device_three() { return 3; }
bool managed_at_0x5000(std::uint64_t p) { return p == 0x5000; }

struct Decoded {
  std::vector<AllocationEvent> enter;
  std::vector<AllocationEvent> exit;
};

template <class C>
Decoded decode(CallbackDecoder& d, const C& c, CUresult result = CUDA_SUCCESS) {
  Decoded out;
  d.decode(c.enter(), out.enter);
  d.decode(c.exit(result), out.exit);
  return out;
}

TEST(CallbackDecoder, EnablesOnlyAllocationRelatedCallbacks) {
  const auto& ids = CallbackDecoder::callback_ids();
  EXPECT_EQ(ids.size(), 55u);
  for (const std::uint32_t id : {CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2, CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged,
                                 CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc, CUPTI_DRIVER_TRACE_CBID_cuMemCreate,
                                 CUPTI_DRIVER_TRACE_CBID_cuMemMap, CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
  }
  for (const std::uint32_t id : {CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoD_v2,
                                 CUPTI_DRIVER_TRACE_CBID_cuCtxGetDevice, CUPTI_DRIVER_TRACE_CBID_cuPointerGetAttribute}) {
    EXPECT_EQ(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
  }
  std::vector<std::uint32_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "an id listed twice";
}

TEST(CallbackDecoder, MemAllocIsAnIntentAtEnterAndAnAllocationAtExit) {
  CallbackDecoder d(device_three);
  CUdeviceptr out = 0;
  auto c = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  c.params = {&out, 4096};
  std::vector<AllocationEvent> enter;
  d.decode(c.enter(), enter);
  ASSERT_EQ(enter.size(), 1u);
  EXPECT_EQ(enter[0].type, EventType::Allocate);
  EXPECT_EQ(enter[0].pointer, 0u);
  EXPECT_EQ(enter[0].bytes, 4096u);
  out = 0x7f0000001000;
  std::vector<AllocationEvent> exit;
  d.decode(c.exit(), exit);
  ASSERT_EQ(exit.size(), 1u);
  EXPECT_EQ(exit[0].kind, MemoryKind::Device);
  EXPECT_STREQ(exit[0].api, "cuMemAlloc_v2");
  EXPECT_EQ(exit[0].pointer, 0x7f0000001000u);
  EXPECT_EQ(exit[0].bytes, 4096u);
  EXPECT_EQ(exit[0].device, 3);
}

TEST(CallbackDecoder, FailedCallsAllocateNothing) {
  CallbackDecoder d(device_three);
  CUdeviceptr out = 0x1234;
  auto c = call<cuMemAllocManaged_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged);
  c.params = {&out, 1 << 20, CU_MEM_ATTACH_GLOBAL};
  std::vector<AllocationEvent> exit;
  d.decode(c.exit(CUDA_ERROR_OUT_OF_MEMORY), exit);
  EXPECT_TRUE(exit.empty());
}

TEST(CallbackDecoder, WithoutIntentsEnterDecodesOnlyFrees) {
  CallbackDecoder d(device_three);
  CUdeviceptr out = 0;
  auto c = call<cuMemAlloc_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2);
  c.params = {&out, 4096};
  CallbackRecord r = c.enter();
  r.intents = false;
  std::vector<AllocationEvent> events;
  d.decode(r, events);
  EXPECT_TRUE(events.empty());
  auto f = call<cuMemFree_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2);
  f.params = {0x7f0000001000};
  r = f.enter();
  r.intents = false;
  d.decode(r, events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::Free);
  EXPECT_EQ(events[0].pointer, 0x7f0000001000u);
}

TEST(CallbackDecoder, FreesComeAtEnterOnly) {
  CallbackDecoder d;
  auto f = call<cuMemFree_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2);
  f.params = {0xabc000};
  const Decoded e = decode(d, f);
  ASSERT_EQ(e.enter.size(), 1u);
  EXPECT_EQ(e.enter[0].type, EventType::Free);
  EXPECT_TRUE(e.exit.empty());
  auto nul = call<cuMemFree_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2);
  EXPECT_TRUE(decode(d, nul).enter.empty()) << "cuMemFree(0) frees nothing";
  auto async = call<cuMemFreeAsync_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync);
  async.params = {0xdef000, nullptr};
  EXPECT_EQ(decode(d, async).enter.at(0).pointer, 0xdef000u);
  auto host = call<cuMemFreeHost_params>(CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost);
  host.params = {reinterpret_cast<void*>(0x5550000)};
  EXPECT_EQ(decode(d, host).enter.at(0).pointer, 0x5550000u);
  auto unregister = call<cuMemHostUnregister_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostUnregister);
  unregister.params = {reinterpret_cast<void*>(0x6660000)};
  EXPECT_EQ(decode(d, unregister).enter.at(0).pointer, 0x6660000u);
}

TEST(CallbackDecoder, PitchAsyncAndPoolAllocationsAreDevice) {
  CallbackDecoder d(device_three);
  CUdeviceptr out = 0x10000;
  size_t pitch = 1024;
  auto p = call<cuMemAllocPitch_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocPitch_v2);
  p.params = {&out, &pitch, 1000, 100, 4};
  const Decoded pe = decode(d, p);
  ASSERT_EQ(pe.exit.size(), 1u);
  EXPECT_EQ(pe.exit[0].bytes, 1024u * 100) << "pitch x height";
  EXPECT_EQ(pe.enter.at(0).bytes, 1000u * 100) << "before the call, the width is all there is";

  auto a = call<cuMemAllocAsync_ptsz_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync_ptsz);
  a.params = {&out, 2 << 20, nullptr};
  const Decoded ae = decode(d, a);
  ASSERT_EQ(ae.exit.size(), 1u);
  EXPECT_EQ(ae.exit[0].kind, MemoryKind::Device);
  EXPECT_STREQ(ae.exit[0].api, "cuMemAllocAsync_ptsz");

  auto fp = call<cuMemAllocFromPoolAsync_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync);
  fp.params = {&out, 3 << 20, reinterpret_cast<CUmemoryPool>(0x99), nullptr};
  const Decoded fe = decode(d, fp);
  ASSERT_EQ(fe.exit.size(), 1u);
  EXPECT_EQ(fe.exit[0].kind, MemoryKind::Device) << "an unknown pool is a device pool";
  EXPECT_EQ(fe.exit[0].bytes, 3u << 20);
}

TEST(CallbackDecoder, PoolsOnTheHostOrManagedMakeNonVramAllocations) {
  CallbackDecoder d(device_three);
  for (const auto& [type, alloc, expected] :
       {std::tuple{CU_MEM_LOCATION_TYPE_HOST_NUMA, CU_MEM_ALLOCATION_TYPE_PINNED, MemoryKind::HostPool},
        std::tuple{CU_MEM_LOCATION_TYPE_HOST, CU_MEM_ALLOCATION_TYPE_PINNED, MemoryKind::HostPool},
        std::tuple{CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT, CU_MEM_ALLOCATION_TYPE_PINNED, MemoryKind::HostPool},
        std::tuple{CU_MEM_LOCATION_TYPE_DEVICE, CU_MEM_ALLOCATION_TYPE_MANAGED, MemoryKind::Managed},
        std::tuple{CU_MEM_LOCATION_TYPE_DEVICE, CU_MEM_ALLOCATION_TYPE_PINNED, MemoryKind::Device}}) {
    CUmemPoolProps props{};
    props.allocType = alloc;
    props.location.type = type;
    CUmemoryPool pool = reinterpret_cast<CUmemoryPool>(0x1000 + static_cast<int>(type) * 16 + alloc);
    auto create = call<cuMemPoolCreate_params>(CUPTI_DRIVER_TRACE_CBID_cuMemPoolCreate);
    create.params = {&pool, &props};
    const Decoded ce = decode(d, create);
    EXPECT_TRUE(ce.enter.empty() && ce.exit.empty()) << "a pool allocates nothing itself";
    CUdeviceptr out = 0x20000;
    auto a = call<cuMemAllocFromPoolAsync_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync);
    a.params = {&out, 8192, pool, nullptr};
    const Decoded ae = decode(d, a);
    ASSERT_EQ(ae.exit.size(), 1u);
    EXPECT_EQ(ae.exit[0].kind, expected) << static_cast<int>(type);
    EXPECT_EQ(ae.enter.at(0).kind, expected) << "abort mode sees it before the call";
    auto destroy = call<cuMemPoolDestroy_params>(CUPTI_DRIVER_TRACE_CBID_cuMemPoolDestroy);
    destroy.params = {pool};
    decode(d, destroy);
    EXPECT_EQ(decode(d, a).exit.at(0).kind, MemoryKind::Device) << "forgotten when destroyed";
  }
}

TEST(CallbackDecoder, ManagedMemoryAndManagedVariables) {
  CallbackDecoder d(device_three, managed_at_0x5000);
  CUdeviceptr out = 0x4000;
  auto m = call<cuMemAllocManaged_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged);
  m.params = {&out, 1 << 20, CU_MEM_ATTACH_HOST};
  const Decoded me = decode(d, m);
  ASSERT_EQ(me.exit.size(), 1u);
  EXPECT_EQ(me.exit[0].kind, MemoryKind::Managed);
  EXPECT_EQ(me.exit[0].flags, CU_MEM_ATTACH_HOST);
  EXPECT_EQ(me.exit[0].detail, "flags=CU_MEM_ATTACH_HOST");
  EXPECT_EQ(me.exit[0].device, 3);

  size_t bytes = 4096;
  out = 0x6000;
  auto lib = call<cuLibraryGetManaged_params>(CUPTI_DRIVER_TRACE_CBID_cuLibraryGetManaged);
  lib.params = {&out, &bytes, nullptr, "counters"};
  const Decoded le = decode(d, lib);
  EXPECT_TRUE(le.enter.empty()) << "the address is known at exit only";
  ASSERT_EQ(le.exit.size(), 1u);
  EXPECT_EQ(le.exit[0].kind, MemoryKind::Managed);
  EXPECT_EQ(le.exit[0].bytes, 4096u);
  EXPECT_EQ(le.exit[0].detail, "__managed__ variable counters");

  // The CUDA runtime asks for the address only (bytes == nullptr): the size
  // comes from asking the same API again.
  lib.params = {&out, nullptr, nullptr, "counters"};
  const Decoded unsized = decode(d, lib);
  ASSERT_EQ(unsized.exit.size(), 1u);
  EXPECT_EQ(unsized.exit[0].bytes, 0u) << "no hook: the size is unknown";
  CallbackDecoder asks(device_three, managed_at_0x5000, nullptr,
                       [](std::uint32_t cbid, const void*, const char* name) -> std::size_t {
                         return cbid == CUPTI_DRIVER_TRACE_CBID_cuLibraryGetManaged &&
                                        std::string(name) == "counters"
                                    ? 8192
                                    : 0;
                       });
  const Decoded sized = decode(asks, lib);
  ASSERT_EQ(sized.exit.size(), 1u);
  EXPECT_EQ(sized.exit[0].bytes, 8192u);

  auto global = call<cuModuleGetGlobal_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuModuleGetGlobal_v2);
  out = 0x5000;
  global.params = {&out, &bytes, nullptr, "managed_one"};
  ASSERT_EQ(decode(d, global).exit.size(), 1u) << "a managed global";
  out = 0x7000;
  EXPECT_TRUE(decode(d, global).exit.empty()) << "a plain __device__ global is device memory";
}

// CUDA 13 hands out a location's pools by allocation type: the managed
// default pool, or one on the host, makes what comes from it non-VRAM, also
// through cuMemAllocAsync once such a pool is the device's current one.
TEST(CallbackDecoder, PoolsHandedOutByTypeOrMadeCurrentAreSeen) {
  CallbackDecoder d(device_three);
  CUmemoryPool managed_pool = reinterpret_cast<CUmemoryPool>(0xA000);
  CUmemoryPool host_pool = reinterpret_cast<CUmemoryPool>(0xB000);
  CUmemLocation device_location{CU_MEM_LOCATION_TYPE_DEVICE, 3};
  CUmemLocation host_location{CU_MEM_LOCATION_TYPE_HOST, 0};
  CUmemoryPool out = managed_pool;
  auto get_default = call<cuMemGetDefaultMemPool_params>(CUPTI_DRIVER_TRACE_CBID_cuMemGetDefaultMemPool);
  get_default.params = {&out, &device_location, CU_MEM_ALLOCATION_TYPE_MANAGED};
  EXPECT_TRUE(decode(d, get_default).exit.empty()) << "a pool allocates nothing itself";
  out = host_pool;
  auto get_current = call<cuMemGetMemPool_params>(CUPTI_DRIVER_TRACE_CBID_cuMemGetMemPool);
  get_current.params = {&out, &host_location, CU_MEM_ALLOCATION_TYPE_PINNED};
  decode(d, get_current);

  CUdeviceptr p = 0x7100;
  auto from_pool = call<cuMemAllocFromPoolAsync_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync);
  from_pool.params = {&p, 4096, managed_pool, nullptr};
  EXPECT_EQ(decode(d, from_pool).exit.at(0).kind, MemoryKind::Managed);
  from_pool.params.pool = host_pool;
  EXPECT_EQ(decode(d, from_pool).exit.at(0).kind, MemoryKind::HostPool);

  auto async = call<cuMemAllocAsync_ptsz_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync_ptsz);
  async.params = {&p, 8192, nullptr};
  EXPECT_EQ(decode(d, async).exit.at(0).kind, MemoryKind::Device) << "the device's own pool";
  auto set_current = call<cuMemSetMemPool_params>(CUPTI_DRIVER_TRACE_CBID_cuMemSetMemPool);
  set_current.params = {&device_location, CU_MEM_ALLOCATION_TYPE_PINNED, host_pool};
  decode(d, set_current);
  const Decoded from_host = decode(d, async);
  EXPECT_EQ(from_host.exit.at(0).kind, MemoryKind::HostPool);
  EXPECT_STREQ(from_host.exit.at(0).api, "cuMemAllocAsync_ptsz");
  EXPECT_EQ(from_host.enter.at(0).kind, MemoryKind::HostPool) << "known at enter too (abort mode)";
  auto set_device = call<cuDeviceSetMemPool_params>(CUPTI_DRIVER_TRACE_CBID_cuDeviceSetMemPool);
  set_device.params = {3, managed_pool};
  decode(d, set_device);
  EXPECT_EQ(decode(d, async).exit.at(0).kind, MemoryKind::Managed);
}

TEST(CallbackDecoder, HostAllocationFlags) {
  CallbackDecoder d(device_three);
  void* out = reinterpret_cast<void*>(0x8000);
  auto pinned = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  pinned.params = {&out, 65536, CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_WRITECOMBINED};
  const Decoded pe = decode(d, pinned);
  ASSERT_EQ(pe.exit.size(), 1u);
  EXPECT_EQ(pe.exit[0].kind, MemoryKind::Pinned);
  EXPECT_EQ(pe.exit[0].pointer, 0x8000u);
  EXPECT_EQ(pe.exit[0].device, -1);
  EXPECT_EQ(pe.exit[0].detail, "flags=CU_MEMHOSTALLOC_PORTABLE|CU_MEMHOSTALLOC_WRITECOMBINED");

  auto mapped = call<cuMemHostAlloc_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc);
  mapped.params = {&out, 131072, CU_MEMHOSTALLOC_DEVICEMAP | 0x40};
  const Decoded me = decode(d, mapped);
  EXPECT_EQ(me.exit.at(0).kind, MemoryKind::Mapped) << "allocated mapped (DEVICEMAP): counted as mapped";
  EXPECT_TRUE(me.exit.at(0).device_mapped);
  EXPECT_FALSE(pe.exit.at(0).device_mapped);
  EXPECT_EQ(me.exit.at(0).detail, "flags=CU_MEMHOSTALLOC_DEVICEMAP|0x40");

  auto legacy = call<cuMemAllocHost_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAllocHost_v2);
  legacy.params = {&out, 32768};
  EXPECT_EQ(decode(d, legacy).exit.at(0).kind, MemoryKind::Pinned);

  auto reg = call<cuMemHostRegister_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostRegister_v2);
  reg.params = {reinterpret_cast<void*>(0x9000), 262144, CU_MEMHOSTREGISTER_READ_ONLY};
  const Decoded re = decode(d, reg);
  EXPECT_EQ(re.enter.at(0).kind, MemoryKind::Registered);
  EXPECT_EQ(re.exit.at(0).pointer, 0x9000u);
  EXPECT_EQ(re.exit.at(0).detail, "flags=CU_MEMHOSTREGISTER_READ_ONLY");
  reg.params.Flags = CU_MEMHOSTREGISTER_DEVICEMAP;
  EXPECT_EQ(decode(d, reg).exit.at(0).kind, MemoryKind::Registered);
  EXPECT_TRUE(decode(d, reg).exit.at(0).device_mapped);
  reg.params.Flags = 0;
  EXPECT_EQ(decode(d, reg).exit.at(0).detail, "flags=0");

  CUdeviceptr dptr = 0;
  auto get = call<cuMemHostGetDevicePointer_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer_v2);
  get.params = {&dptr, reinterpret_cast<void*>(0x8000), 0};
  const Decoded ge = decode(d, get);
  ASSERT_EQ(ge.exit.size(), 1u);
  EXPECT_EQ(ge.exit[0].type, EventType::Use);
  EXPECT_EQ(ge.exit[0].kind, MemoryKind::Mapped);
  EXPECT_EQ(ge.exit[0].pointer, 0x8000u);
}

TEST(CallbackDecoder, VmmOnTheDeviceIsRecordedAtTheMappingAndReleasedAtTheUnmap) {
  CallbackDecoder d(device_three);
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = 1;
  CUmemGenericAllocationHandle h1 = 0x11, h2 = 0x22;
  auto create = call<cuMemCreate_params>(CUPTI_DRIVER_TRACE_CBID_cuMemCreate);
  create.params = {&h1, 2 << 20, &prop, 0};
  const Decoded ce = decode(d, create);
  EXPECT_TRUE(ce.enter.empty() && ce.exit.empty()) << "device VMM memory is recorded when mapped";
  create.params.handle = &h2;
  decode(d, create);

  auto map = call<cuMemMap_params>(CUPTI_DRIVER_TRACE_CBID_cuMemMap);
  map.params = {0x7000000000, 2 << 20, 0, h1, 0};
  const Decoded m1 = decode(d, map);
  ASSERT_EQ(m1.exit.size(), 1u);
  EXPECT_EQ(m1.exit[0].kind, MemoryKind::Device);
  EXPECT_STREQ(m1.exit[0].api, "cuMemMap");
  EXPECT_EQ(m1.exit[0].pointer, 0x7000000000u);
  EXPECT_EQ(m1.exit[0].bytes, 2u << 20);
  EXPECT_EQ(m1.exit[0].device, 1) << "from the allocation properties";
  map.params = {0x7000200000, 2 << 20, 0, h2, 0};
  decode(d, map);

  // One unmap over both mappings releases both (expandable segments do this).
  auto unmap = call<cuMemUnmap_params>(CUPTI_DRIVER_TRACE_CBID_cuMemUnmap);
  unmap.params = {0x7000000000, 4 << 20};
  const Decoded ue = decode(d, unmap);
  ASSERT_EQ(ue.enter.size(), 2u);
  EXPECT_EQ(ue.enter[0].pointer, 0x7000000000u);
  EXPECT_EQ(ue.enter[1].pointer, 0x7000200000u);
  EXPECT_TRUE(decode(d, unmap).enter.empty()) << "already released";

  auto release = call<cuMemRelease_params>(CUPTI_DRIVER_TRACE_CBID_cuMemRelease);
  release.params = {h1};
  EXPECT_TRUE(decode(d, release).enter.empty()) << "device handles free nothing the program sees";
}

TEST(CallbackDecoder, VmmOnHostLocationsIsReportedAtCreate) {
  for (const auto type : {CU_MEM_LOCATION_TYPE_HOST, CU_MEM_LOCATION_TYPE_HOST_NUMA,
                          CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT}) {
    CallbackDecoder d(device_three);
    CUmemAllocationProp prop{};
    prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
    prop.location.type = type;
    prop.location.id = 0;
    CUmemGenericAllocationHandle h = 0x33;
    auto create = call<cuMemCreate_params>(CUPTI_DRIVER_TRACE_CBID_cuMemCreate);
    create.params = {&h, 2 << 20, &prop, 0};
    const Decoded ce = decode(d, create);
    ASSERT_EQ(ce.enter.size(), 1u);
    EXPECT_EQ(ce.enter[0].kind, MemoryKind::HostVmm);
    ASSERT_EQ(ce.exit.size(), 1u);
    EXPECT_EQ(ce.exit[0].kind, MemoryKind::HostVmm);
    EXPECT_TRUE(ce.exit[0].vmm_handle);
    EXPECT_EQ(ce.exit[0].pointer, 0x33u);
    EXPECT_EQ(ce.exit[0].device, -1);
    auto map = call<cuMemMap_params>(CUPTI_DRIVER_TRACE_CBID_cuMemMap);
    map.params = {0x7000000000, 2 << 20, 0, h, 0};
    EXPECT_TRUE(decode(d, map).exit.empty()) << "reported once, at create";
    auto release = call<cuMemRelease_params>(CUPTI_DRIVER_TRACE_CBID_cuMemRelease);
    release.params = {h};
    const Decoded re = decode(d, release);
    ASSERT_EQ(re.enter.size(), 1u);
    EXPECT_EQ(re.enter[0].type, EventType::Free);
    EXPECT_TRUE(re.enter[0].vmm_handle);
  }
  CallbackDecoder d;
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_HOST_NUMA;
  prop.location.id = 1;
  CUmemGenericAllocationHandle h = 0x44;
  auto create = call<cuMemCreate_params>(CUPTI_DRIVER_TRACE_CBID_cuMemCreate);
  create.params = {&h, 2 << 20, &prop, 0};
  EXPECT_EQ(decode(d, create).exit.at(0).detail, "location=HOST_NUMA:1");
}

TEST(CallbackDecoder, ArraysAreDeviceMemoryUnderTheirHandle) {
  CallbackDecoder d(device_three);
  CUarray handle = reinterpret_cast<CUarray>(0x55aa00);
  CUDA_ARRAY_DESCRIPTOR desc{};
  desc.Width = 256;
  desc.Height = 256;
  desc.Format = CU_AD_FORMAT_FLOAT;
  desc.NumChannels = 1;
  auto a = call<cuArrayCreate_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuArrayCreate_v2);
  a.params = {&handle, &desc};
  const Decoded ae = decode(d, a);
  ASSERT_EQ(ae.exit.size(), 1u);
  EXPECT_EQ(ae.exit[0].kind, MemoryKind::Device);
  EXPECT_EQ(ae.exit[0].pointer, 0x55aa00u);
  EXPECT_EQ(ae.exit[0].bytes, 262144u);
  CUDA_ARRAY3D_DESCRIPTOR desc3{};
  desc3.Width = 64;
  desc3.Height = 32;
  desc3.Depth = 8;
  desc3.Format = CU_AD_FORMAT_HALF;
  desc3.NumChannels = 4;
  auto a3 = call<cuArray3DCreate_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuArray3DCreate_v2);
  a3.params = {&handle, &desc3};
  EXPECT_EQ(decode(d, a3).exit.at(0).bytes, 64u * 32 * 8 * 2 * 4);
  CUmipmappedArray mip = reinterpret_cast<CUmipmappedArray>(0x66bb00);
  desc3.Depth = 0;
  auto m = call<cuMipmappedArrayCreate_params>(CUPTI_DRIVER_TRACE_CBID_cuMipmappedArrayCreate);
  m.params = {&mip, &desc3, 2};
  EXPECT_EQ(decode(d, m).exit.at(0).bytes, 64u * 32 * 8 + 32u * 16 * 8) << "two levels";
  auto destroy = call<cuArrayDestroy_params>(CUPTI_DRIVER_TRACE_CBID_cuArrayDestroy);
  destroy.params = {handle};
  EXPECT_EQ(decode(d, destroy).enter.at(0).pointer, 0x55aa00u);
}

TEST(CallbackDecoder, MigrationsToTheHostOnly) {
  CallbackDecoder d(device_three);
  auto advise = call<cuMemAdvise_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAdvise_v2);
  advise.params.devPtr = 0x4000;
  advise.params.count = 8192;
  advise.params.advice = CU_MEM_ADVISE_SET_PREFERRED_LOCATION;
  advise.params.location.type = CU_MEM_LOCATION_TYPE_HOST;
  const Decoded ae = decode(d, advise);
  ASSERT_EQ(ae.exit.size(), 1u);
  EXPECT_EQ(ae.exit[0].type, EventType::Use);
  EXPECT_EQ(ae.exit[0].kind, MemoryKind::Migration);
  EXPECT_EQ(ae.exit[0].bytes, 8192u);
  advise.params.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  EXPECT_TRUE(decode(d, advise).exit.empty()) << "to the device is fine";
  advise.params.location.type = CU_MEM_LOCATION_TYPE_HOST;
  advise.params.advice = CU_MEM_ADVISE_SET_ACCESSED_BY;
  EXPECT_TRUE(decode(d, advise).exit.empty()) << "accessed-by moves nothing";

  auto old_advise = call<cuMemAdvise_params>(CUPTI_DRIVER_TRACE_CBID_cuMemAdvise);
  old_advise.params = {0x4000, 8192, CU_MEM_ADVISE_SET_PREFERRED_LOCATION, CU_DEVICE_CPU};
  EXPECT_EQ(decode(d, old_advise).exit.size(), 1u);
  old_advise.params.device = 0;
  EXPECT_TRUE(decode(d, old_advise).exit.empty());

  auto prefetch = call<cuMemPrefetchAsync_v2_params>(CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_v2);
  prefetch.params.devPtr = 0x4000;
  prefetch.params.count = 4096;
  prefetch.params.location.type = CU_MEM_LOCATION_TYPE_HOST_NUMA;
  EXPECT_EQ(decode(d, prefetch).exit.at(0).detail, "prefetch to location=HOST_NUMA:0");
  prefetch.params.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  EXPECT_TRUE(decode(d, prefetch).exit.empty());

  auto old_prefetch = call<cuMemPrefetchAsync_params>(CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync);
  old_prefetch.params = {0x4000, 4096, CU_DEVICE_CPU, nullptr};
  EXPECT_EQ(decode(d, old_prefetch).exit.size(), 1u);

  CUdeviceptr ptrs[3] = {0x1000, 0x2000, 0x3000};
  size_t sizes[3] = {10, 20, 30};
  CUmemLocation locations[2]{};
  locations[0].type = CU_MEM_LOCATION_TYPE_DEVICE;
  locations[1].type = CU_MEM_LOCATION_TYPE_HOST;
  size_t first[2] = {0, 1};
  auto batch = call<cuMemPrefetchBatchAsync_params>(CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchBatchAsync);
  batch.params = {ptrs, sizes, 3, locations, first, 2, 0, nullptr};
  const Decoded be = decode(d, batch);
  ASSERT_EQ(be.exit.size(), 2u) << "ranges 1 and 2 go to the host";
  EXPECT_EQ(be.exit[0].pointer, 0x2000u);
  EXPECT_EQ(be.exit[1].bytes, 30u);
}

TEST(CallbackDecoder, NullParamsAndUnknownIdsDecodeToNothing) {
  CallbackDecoder d;
  std::vector<AllocationEvent> events;
  d.decode(CallbackRecord{true, CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2, nullptr, 0, true}, events);
  int dummy = 0;
  d.decode(CallbackRecord{true, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, &dummy, 0, true}, events);
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace vram_only::attach
