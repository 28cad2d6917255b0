// The decoding of each allocation-related driver API (see callback_decoder.hpp).
// Which API has which parameter struct and decoder is driver_entry_points.def;
// here is one decoder per argument layout, shared by every ABI version and
// _ptsz variant with that layout. The parameter structs come from CUPTI's
// generated_cuda_meta.h, which names the legacy (_v1) types that cuda.h
// declares only for its own build.
#define __CUDA_API_VERSION_INTERNAL 1
#include <cuda.h>
#include <cupti_driver_cbid.h>
#include <generated_cuda_meta.h>

#include "callback_decoder.hpp"
#include "entry_point_table.hpp"

#include <cstdio>
#include <string>
#include <type_traits>

namespace vram_only::attach {
namespace {

bool host_location(CUmemLocationType type) {
  return type == CU_MEM_LOCATION_TYPE_HOST || type == CU_MEM_LOCATION_TYPE_HOST_NUMA ||
         type == CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT;
}

const char* location_name(CUmemLocationType type) {
  switch (type) {
    case CU_MEM_LOCATION_TYPE_DEVICE: return "DEVICE";
    case CU_MEM_LOCATION_TYPE_HOST: return "HOST";
    case CU_MEM_LOCATION_TYPE_HOST_NUMA: return "HOST_NUMA";
    case CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT: return "HOST_NUMA_CURRENT";
    default: return "NONE";
  }
}

std::string location_detail(const CUmemLocation& location) {
  std::string text = "location=";
  text += location_name(location.type);
  if (location.type == CU_MEM_LOCATION_TYPE_DEVICE || location.type == CU_MEM_LOCATION_TYPE_HOST_NUMA) {
    text += ":" + std::to_string(location.id);
  }
  return text;
}

// "flags=CU_MEMHOSTALLOC_PORTABLE|CU_MEMHOSTALLOC_DEVICEMAP" ("flags=0" when none).
std::string flag_names(std::uint64_t flags, const std::pair<std::uint64_t, const char*>* names,
                       std::size_t count) {
  std::string text = "flags=";
  bool first = true;
  for (std::size_t i = 0; i < count; ++i) {
    if ((flags & names[i].first) != 0) {
      text += first ? "" : "|";
      text += names[i].second;
      flags &= ~names[i].first;
      first = false;
    }
  }
  if (flags == 0 && first) {
    text += "0";
  } else if (flags != 0) {
    char rest[32];
    std::snprintf(rest, sizeof rest, "%s0x%llx", first ? "" : "|", static_cast<unsigned long long>(flags));
    text += rest;
  }
  return text;
}

std::string host_alloc_flags(std::uint64_t flags) {
  static const std::pair<std::uint64_t, const char*> names[] = {
      {CU_MEMHOSTALLOC_PORTABLE, "CU_MEMHOSTALLOC_PORTABLE"},
      {CU_MEMHOSTALLOC_DEVICEMAP, "CU_MEMHOSTALLOC_DEVICEMAP"},
      {CU_MEMHOSTALLOC_WRITECOMBINED, "CU_MEMHOSTALLOC_WRITECOMBINED"}};
  return flag_names(flags, names, 3);
}

std::string host_register_flags(std::uint64_t flags) {
  static const std::pair<std::uint64_t, const char*> names[] = {
      {CU_MEMHOSTREGISTER_PORTABLE, "CU_MEMHOSTREGISTER_PORTABLE"},
      {CU_MEMHOSTREGISTER_DEVICEMAP, "CU_MEMHOSTREGISTER_DEVICEMAP"},
      {CU_MEMHOSTREGISTER_IOMEMORY, "CU_MEMHOSTREGISTER_IOMEMORY"},
      {CU_MEMHOSTREGISTER_READ_ONLY, "CU_MEMHOSTREGISTER_READ_ONLY"}};
  return flag_names(flags, names, 4);
}

std::string attach_flags(std::uint64_t flags) {
  static const std::pair<std::uint64_t, const char*> names[] = {
      {CU_MEM_ATTACH_GLOBAL, "CU_MEM_ATTACH_GLOBAL"},
      {CU_MEM_ATTACH_HOST, "CU_MEM_ATTACH_HOST"},
      {CU_MEM_ATTACH_SINGLE, "CU_MEM_ATTACH_SINGLE"}};
  return flag_names(flags, names, 3);
}

unsigned format_bytes(unsigned format) {
  switch (format) {
    case CU_AD_FORMAT_UNSIGNED_INT16:
    case CU_AD_FORMAT_SIGNED_INT16:
    case CU_AD_FORMAT_HALF:
      return 2;
    case CU_AD_FORMAT_UNSIGNED_INT32:
    case CU_AD_FORMAT_SIGNED_INT32:
    case CU_AD_FORMAT_FLOAT:
      return 4;
    default:
      return 1;  // 8-bit formats; packed and compressed ones are approximated
  }
}

// Writes through an out-parameter the call filled in, or 0 when it is null.
template <class T>
std::uint64_t out_value(T* p) {
  return p != nullptr ? static_cast<std::uint64_t>(*p) : 0;
}

AllocationEvent event(EventType type, MemoryKind kind, const char* api, std::uint64_t pointer,
                      std::size_t bytes, int device, std::uint64_t flags = 0,
                      std::string detail = {}) {
  AllocationEvent e;
  e.type = type;
  e.kind = kind;
  e.api = api;
  e.pointer = pointer;
  e.bytes = bytes;
  e.device = device;
  e.flags = flags;
  e.detail = std::move(detail);
  return e;
}

}  // namespace

std::size_t array_bytes(std::size_t width, std::size_t height, std::size_t depth, unsigned format,
                        unsigned channels, unsigned levels) {
  std::size_t total = 0;
  height = height == 0 ? 1 : height;
  depth = depth == 0 ? 1 : depth;
  const std::size_t element = std::size_t{format_bytes(format)} * (channels == 0 ? 1 : channels);
  for (unsigned level = 0; level < (levels == 0 ? 1 : levels); ++level) {
    total += width * height * depth * element;
    width = width > 1 ? width / 2 : 1;
    height = height > 1 ? height / 2 : 1;
    depth = depth > 1 ? depth / 2 : 1;
  }
  return total;
}

// One call being decoded: the record, the API's name, where events go.
struct CallbackDecoder::Call {
  CallbackDecoder& decoder;
  const CallbackRecord& record;
  const char* api;
  std::vector<AllocationEvent>& out;
  bool enter;  // API_ENTER
  bool done;   // API_EXIT of a successful call

  int device() const { return decoder.device(); }
  // An intent at enter (pointer 0), the allocation at exit.
  void allocation(MemoryKind kind, std::uint64_t pointer, std::size_t bytes, int device, std::uint64_t flags = 0,
                  std::string detail = {}) {
    if ((enter && record.intents) || done) {
      out.push_back(event(EventType::Allocate, kind, api, enter ? 0 : pointer, bytes, device, flags, std::move(detail)));
    }
  }
  void use(MemoryKind kind, std::uint64_t pointer, std::size_t bytes, int device, std::string detail) {
    if ((enter && record.intents) || done) {
      out.push_back(event(EventType::Use, kind, api, pointer, bytes, device, 0, std::move(detail)));
    }
  }
  void free(std::uint64_t pointer) {
    if (enter && pointer != 0) out.push_back(event(EventType::Free, MemoryKind::Device, api, pointer, 0, -1));
  }
};

// One decoder per argument layout (the Decoder column of driver_entry_points.def).
struct CallbackDecoder::Decoders {
  // ---- device memory ------------------------------------------------------
  template <class P>
  static void device_alloc(Call& c, const P& p) {
    c.allocation(MemoryKind::Device, c.done ? out_value(p.dptr) : 0, p.bytesize, c.device());
  }
  template <class P>
  static void pitch_alloc(Call& c, const P& p) {
    const std::size_t pitch = c.done ? out_value(p.pPitch) : p.WidthInBytes;
    c.allocation(MemoryKind::Device, c.done ? out_value(p.dptr) : 0, pitch * std::size_t{p.Height}, c.device());
  }
  // From the device's current pool: device memory unless cuDeviceSetMemPool /
  // cuMemSetMemPool made a host or managed pool current.
  template <class P>
  static void async_alloc(Call& c, const P& p) {
    const int dev = c.device();
    const Handle pool = c.decoder.current_pool(dev);
    c.allocation(pool.kind, c.done ? out_value(p.dptr) : 0, p.bytesize, pool.kind == MemoryKind::Device ? dev : pool.device,
                 0, pool.kind == MemoryKind::Device ? std::string() : "from the device's current pool, on the host or managed");
  }
  template <class P>
  static void pool_alloc(Call& c, const P& p) {
    const Handle pool = c.decoder.pool(reinterpret_cast<std::uint64_t>(p.pool));
    c.allocation(pool.kind, c.done ? out_value(p.dptr) : 0, p.bytesize,
                 pool.kind == MemoryKind::Device ? c.device() : pool.device, 0,
                 pool.kind == MemoryKind::Device ? std::string() : "from a host or managed pool");
  }
  template <class P>
  static void device_free(Call& c, const P& p) { c.free(p.dptr); }

  // ---- arrays: recorded under their handle (see enforcer.hpp) -------------
  template <class P>
  static void array_create(Call& c, const P& p) {
    if (p.pAllocateArray == nullptr) return;
    const auto& d = *p.pAllocateArray;
    c.allocation(MemoryKind::Device, c.done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                 array_bytes(d.Width, d.Height, 1, d.Format, d.NumChannels), c.device());
  }
  template <class P>
  static void array3d_create(Call& c, const P& p) {
    if (p.pAllocateArray == nullptr) return;
    const auto& d = *p.pAllocateArray;
    c.allocation(MemoryKind::Device, c.done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                 array_bytes(d.Width, d.Height, d.Depth, d.Format, d.NumChannels), c.device());
  }
  template <class P>
  static void mipmapped_array_create(Call& c, const P& p) {
    if (p.pMipmappedArrayDesc == nullptr) return;
    const auto& d = *p.pMipmappedArrayDesc;
    c.allocation(MemoryKind::Device, c.done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                 array_bytes(d.Width, d.Height, d.Depth, d.Format, d.NumChannels, p.numMipmapLevels), c.device());
  }
  template <class P>
  static void array_destroy(Call& c, const P& p) { c.free(reinterpret_cast<std::uint64_t>(p.hArray)); }
  template <class P>
  static void mipmapped_array_destroy(Call& c, const P& p) {
    c.free(reinterpret_cast<std::uint64_t>(p.hMipmappedArray));
  }

  // ---- VMM ------------------------------------------------------------------
  // The memory exists from cuMemCreate; it reaches the program through
  // cuMemMap. Device memory is recorded at the mapping, host and managed
  // memory reported at the creation (under its handle: no address yet).
  template <class P>
  static void vmm_create(Call& c, const P& p) {
    if (p.prop == nullptr || (c.enter && !c.record.intents) || (!c.enter && !c.done)) return;
    const CUmemAllocationProp& prop = *p.prop;
    MemoryKind kind = MemoryKind::Device;
    if (prop.type == CU_MEM_ALLOCATION_TYPE_MANAGED) {
      kind = MemoryKind::Managed;
    } else if (host_location(prop.location.type)) {
      kind = MemoryKind::HostVmm;
    }
    const int dev = prop.location.type == CU_MEM_LOCATION_TYPE_DEVICE ? prop.location.id : -1;
    const std::uint64_t handle = c.done ? out_value(p.handle) : 0;
    if (c.done) {
      std::lock_guard<std::mutex> lock(c.decoder.mutex_);
      c.decoder.vmm_handles_[handle] = Handle{kind, p.size, dev};
    }
    if (kind != MemoryKind::Device) {
      c.out.push_back(event(EventType::Allocate, kind, c.api, handle, p.size, dev, p.flags, location_detail(prop.location)));
      c.out.back().vmm_handle = true;
    }
  }
  template <class P>
  static void vmm_release(Call& c, const P& p) {
    if (!c.enter) return;
    std::lock_guard<std::mutex> lock(c.decoder.mutex_);
    auto& handles = c.decoder.vmm_handles_;
    const auto it = handles.find(p.handle);
    if (it == handles.end()) return;
    if (it->second.kind != MemoryKind::Device) {
      c.out.push_back(event(EventType::Free, it->second.kind, c.api, p.handle, 0, -1));
      c.out.back().vmm_handle = true;
    }
    handles.erase(it);
  }
  // Device memory becomes addressable here: a tracked allocation. A handle
  // made before enforcement started, or imported, is taken as device memory;
  // the sweep checks it.
  template <class P>
  static void vmm_map(Call& c, const P& p) {
    Handle handle{MemoryKind::Device, p.size, -1};
    {
      std::lock_guard<std::mutex> lock(c.decoder.mutex_);
      const auto it = c.decoder.vmm_handles_.find(p.handle);
      if (it != c.decoder.vmm_handles_.end()) handle = it->second;
      if (handle.kind == MemoryKind::Device && c.done) c.decoder.mappings_[p.ptr] = p.size;
    }
    if (handle.kind == MemoryKind::Device && c.done) {
      c.out.push_back(event(EventType::Allocate, MemoryKind::Device, c.api, p.ptr, p.size,
                            handle.device >= 0 ? handle.device : c.device(), p.flags, "cuMemCreate + cuMemMap"));
    }
  }
  // Releases every mapping based in [ptr, ptr + size).
  template <class P>
  static void vmm_unmap(Call& c, const P& p) {
    if (!c.enter) return;
    std::lock_guard<std::mutex> lock(c.decoder.mutex_);
    auto& mappings = c.decoder.mappings_;
    auto it = mappings.lower_bound(p.ptr);
    while (it != mappings.end() && it->first - p.ptr < p.size) {
      c.out.push_back(event(EventType::Free, MemoryKind::Device, c.api, it->first, 0, -1));
      it = mappings.erase(it);
    }
  }

  // ---- pools: a pool allocates nothing itself; a pool on the host, or a
  // managed one, is remembered, and each allocation from it reported ------------
  template <class P>
  static void pool_create(Call& c, const P& p) {
    if (!c.done || p.poolProps == nullptr || p.pool == nullptr) return;
    c.decoder.remember_pool(reinterpret_cast<std::uint64_t>(*p.pool), p.poolProps->allocType,
                            p.poolProps->location.type, p.poolProps->location.id);
  }
  template <class P>
  static void pool_destroy(Call& c, const P& p) {
    if (!c.done) return;
    std::lock_guard<std::mutex> lock(c.decoder.mutex_);
    c.decoder.pools_.erase(reinterpret_cast<std::uint64_t>(p.pool));
  }
  // CUDA 13 hands out a location's default and current pools by allocation
  // type: the managed one, or one on a host location, is not VRAM.
  template <class P>
  static void default_pool_get(Call& c, const P& p) {
    if (!c.done || p.pool_out == nullptr || p.location == nullptr) return;
    c.decoder.remember_pool(reinterpret_cast<std::uint64_t>(*p.pool_out), p.type, p.location->type, p.location->id);
  }
  template <class P>
  static void current_pool_get(Call& c, const P& p) {
    if (!c.done || p.pool == nullptr || p.location == nullptr) return;
    c.decoder.remember_pool(reinterpret_cast<std::uint64_t>(*p.pool), p.type, p.location->type, p.location->id);
  }
  // cuMemAllocAsync allocates from the device's current pool of pinned
  // (not managed) type: remember which pool that is.
  template <class P>
  static void current_pool_set(Call& c, const P& p) {
    if (!c.done || p.location == nullptr || p.location->type != CU_MEM_LOCATION_TYPE_DEVICE ||
        p.type == CU_MEM_ALLOCATION_TYPE_MANAGED) {
      return;
    }
    c.decoder.set_current_pool(p.location->id, reinterpret_cast<std::uint64_t>(p.pool));
  }
  template <class P>
  static void device_pool_set(Call& c, const P& p) {
    if (c.done) c.decoder.set_current_pool(static_cast<int>(p.dev), reinterpret_cast<std::uint64_t>(p.pool));
  }

  // ---- managed memory -------------------------------------------------------
  template <class P>
  static void managed_alloc(Call& c, const P& p) {
    c.allocation(MemoryKind::Managed, c.done ? out_value(p.dptr) : 0, p.bytesize, c.device(), p.flags,
                 attach_flags(p.flags));
  }
  // A __managed__ variable: its memory exists once the library is loaded;
  // this call hands its address to the program. Known only at exit.
  template <class P>
  static void library_managed(Call& c, const P& p) {
    if (!c.done) return;
    c.allocation(MemoryKind::Managed, out_value(p.dptr),
                 c.decoder.variable_bytes(c.record.cbid, p.bytes, p.library, p.name), c.device(), 0,
                 managed_variable(p.name));
  }
  // A global's address, reported when it is managed memory (a __managed__ variable).
  template <class P>
  static void global_if_managed(Call& c, const P& p) {
    if (!c.done || c.decoder.is_managed_ == nullptr) return;
    const std::uint64_t pointer = out_value(p.dptr);
    if (pointer == 0 || !c.decoder.is_managed_(pointer)) return;
    c.allocation(MemoryKind::Managed, pointer, c.decoder.variable_bytes(c.record.cbid, p.bytes, handle_of(p), p.name),
                 c.device(), 0, managed_variable(p.name));
  }

  // ---- host memory ------------------------------------------------------------
  // The kind follows the flags: DEVICEMAP memory is counted as mapped (the
  // device reads it over the bus), the rest as pinned; see allocation_event.hpp.
  template <class P>
  static void host_alloc(Call& c, const P& p) {
    const bool mapped = (p.Flags & CU_MEMHOSTALLOC_DEVICEMAP) != 0;
    const std::size_t before = c.out.size();
    c.allocation(mapped ? MemoryKind::Mapped : MemoryKind::Pinned,
                 c.done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pp)) : 0, p.bytesize, -1, p.Flags,
                 host_alloc_flags(p.Flags));
    if (c.out.size() > before) c.out.back().device_mapped = mapped;
  }
  template <class P>
  static void alloc_host(Call& c, const P& p) {
    c.allocation(MemoryKind::Pinned, c.done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pp)) : 0, p.bytesize, -1);
  }
  template <class P>
  static void host_register(Call& c, const P& p) {
    const std::size_t before = c.out.size();
    c.allocation(MemoryKind::Registered, reinterpret_cast<std::uint64_t>(p.p), p.bytesize, -1, p.Flags,
                 host_register_flags(p.Flags));
    if (c.out.size() > before) c.out.back().device_mapped = (p.Flags & CU_MEMHOSTREGISTER_DEVICEMAP) != 0;
  }
  template <class P>
  static void host_free(Call& c, const P& p) { c.free(reinterpret_cast<std::uint64_t>(p.p)); }
  // The device gets a pointer into host memory: zero-copy access. Bytes are
  // filled in by the enforcer from the host allocation.
  template <class P>
  static void host_device_pointer(Call& c, const P& p) {
    c.use(MemoryKind::Mapped, reinterpret_cast<std::uint64_t>(p.p), 0, c.device(), "device access to host memory");
  }

  // ---- migrations to the host -------------------------------------------------
  template <class P>
  static void advise_to_device(Call& c, const P& p) {
    if (p.advice != CU_MEM_ADVISE_SET_PREFERRED_LOCATION || p.device != CU_DEVICE_CPU) return;
    c.use(MemoryKind::Migration, p.devPtr, p.count, -1, "CU_MEM_ADVISE_SET_PREFERRED_LOCATION to the CPU");
  }
  template <class P>
  static void advise_to_location(Call& c, const P& p) {
    if (p.advice != CU_MEM_ADVISE_SET_PREFERRED_LOCATION || !host_location(p.location.type)) return;
    c.use(MemoryKind::Migration, p.devPtr, p.count, -1,
          "CU_MEM_ADVISE_SET_PREFERRED_LOCATION " + location_detail(p.location));
  }
  template <class P>
  static void prefetch_to_device(Call& c, const P& p) {
    if (p.dstDevice != CU_DEVICE_CPU) return;
    c.use(MemoryKind::Migration, p.devPtr, p.count, -1, "prefetch to the CPU");
  }
  template <class P>
  static void prefetch_to_location(Call& c, const P& p) {
    if (!host_location(p.location.type)) return;
    c.use(MemoryKind::Migration, p.devPtr, p.count, -1, "prefetch to " + location_detail(p.location));
  }
  // prefetchLocs[j] applies to dptrs[prefetchLocIdxs[j] .. prefetchLocIdxs[j + 1]).
  template <class P>
  static void prefetch_batch(Call& c, const P& p) {
    if (p.dptrs == nullptr || p.sizes == nullptr || p.prefetchLocs == nullptr || p.prefetchLocIdxs == nullptr) return;
    for (std::size_t j = 0; j < p.numPrefetchLocs; ++j) {
      if (!host_location(p.prefetchLocs[j].type)) continue;
      const std::size_t first = p.prefetchLocIdxs[j];
      const std::size_t last = j + 1 < p.numPrefetchLocs ? p.prefetchLocIdxs[j + 1] : p.count;
      for (std::size_t i = first; i < last && i < p.count; ++i) {
        c.use(MemoryKind::Migration, p.dptrs[i], p.sizes[i], -1, "prefetch to " + location_detail(p.prefetchLocs[j]));
      }
    }
  }

  // ---- contexts ---------------------------------------------------------------------
  template <class P>
  static void primary_context_reset(Call& c, const P& p) {
    if (c.done) c.out.push_back(event(EventType::ReleaseDevice, MemoryKind::Device, c.api, 0, 0, static_cast<int>(p.dev)));
  }
  template <class P>
  static void context_destroy(Call& c, const P& p) {
    if (!c.enter || p.ctx == nullptr || c.decoder.context_device_ == nullptr) return;
    const int dev = c.decoder.context_device_(p.ctx);
    if (dev >= 0) c.out.push_back(event(EventType::ReleaseDevice, MemoryKind::Device, c.api, 0, 0, dev));
  }

 private:
  static std::string managed_variable(const char* name) {
    return name != nullptr ? std::string("__managed__ variable ") + name : std::string("__managed__ variable");
  }
  template <class P>
  static const void* handle_of(const P& p) {
    if constexpr (std::is_same_v<P, cuModuleGetGlobal_v2_params>) {
      return p.hmod;
    } else {
      return p.library;
    }
  }
};

const std::vector<std::uint32_t>& CallbackDecoder::callback_ids() {
  static const std::vector<std::uint32_t> ids = {
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, ...) CUPTI_DRIVER_TRACE_CBID_##Symbol,
#include "driver_entry_points.def"
  };
  return ids;
}

// Frees and context destruction act at API_ENTER even without intents.
static bool acts_at_enter(std::uint32_t cbid) {
  switch (cbid) {
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, Base, Version, Stream, Kind, ...) \
  case CUPTI_DRIVER_TRACE_CBID_##Symbol:                                  \
    return EntryKind::Kind == EntryKind::Free || EntryKind::Kind == EntryKind::Context;
#include "driver_entry_points.def"
    default:
      return false;
  }
}

std::size_t CallbackDecoder::variable_bytes(std::uint32_t cbid, const std::size_t* bytes,
                                            const void* library_or_module, const char* name) const {
  if (bytes != nullptr && *bytes != 0) return *bytes;
  return variable_size_ != nullptr ? variable_size_(cbid, library_or_module, name) : 0;
}

CallbackDecoder::Handle CallbackDecoder::pool(std::uint64_t pool) {
  if (!non_device_pools_.load(std::memory_order_acquire)) return Handle{};
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = pools_.find(pool);
  return it != pools_.end() ? it->second : Handle{};
}

CallbackDecoder::Handle CallbackDecoder::current_pool(int device) {
  if (!current_pools_set_.load(std::memory_order_acquire)) return Handle{};
  std::uint64_t pool_handle = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = current_pools_.find(device);
    if (it == current_pools_.end()) return Handle{};
    pool_handle = it->second;
  }
  return pool(pool_handle);
}

void CallbackDecoder::remember_pool(std::uint64_t pool, int allocation_type, int location_type, int location_id) {
  MemoryKind kind = MemoryKind::Device;
  if (allocation_type == CU_MEM_ALLOCATION_TYPE_MANAGED) {
    kind = MemoryKind::Managed;
  } else if (host_location(static_cast<CUmemLocationType>(location_type))) {
    kind = MemoryKind::HostPool;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (kind == MemoryKind::Device) {
    pools_.erase(pool);
    return;
  }
  pools_[pool] = Handle{kind, 0, location_type == CU_MEM_LOCATION_TYPE_DEVICE ? location_id : -1};
  non_device_pools_.store(true, std::memory_order_release);
}

void CallbackDecoder::set_current_pool(int device, std::uint64_t pool) {
  std::lock_guard<std::mutex> lock(mutex_);
  current_pools_[device] = pool;
  current_pools_set_.store(true, std::memory_order_release);
}

void CallbackDecoder::decode(const CallbackRecord& record, std::vector<AllocationEvent>& out) {
  if (record.params == nullptr) return;
  // Nothing to do: a failed call, or an enter without frees when no intents are wanted.
  if ((record.exit && record.result != CUDA_SUCCESS) || (!record.exit && !record.intents && !acts_at_enter(record.cbid))) {
    return;
  }
  switch (record.cbid) {
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, Base, Version, Stream, Kind, Decoder, Params, ...)                     \
  case CUPTI_DRIVER_TRACE_CBID_##Symbol: {                                                                     \
    Call call{*this, record, #Symbol, out, !record.exit, record.exit && record.result == CUDA_SUCCESS};     \
    return Decoders::Decoder(call, *static_cast<const Params*>(record.params));                            \
  }
#include "driver_entry_points.def"
    default:
      return;
  }
}

}  // namespace vram_only::attach
