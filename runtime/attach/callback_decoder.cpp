// The decoding of each allocation-related driver API (see callback_decoder.hpp).
// The parameter structs come from CUPTI's generated_cuda_meta.h, which names
// the legacy (_v1) types that cuda.h declares only for its own build.
#define __CUDA_API_VERSION_INTERNAL 1
#include <cuda.h>
#include <cupti_driver_cbid.h>
#include <generated_cuda_meta.h>

#include "callback_decoder.hpp"

#include <cstdio>
#include <string>

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

template <class T>
const T& as(const CallbackRecord& record) {
  return *static_cast<const T*>(record.params);
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

const std::vector<std::uint32_t>& CallbackDecoder::callback_ids() {
  static const std::vector<std::uint32_t> ids = {
      // device memory
      CUPTI_DRIVER_TRACE_CBID_cuMemAlloc, CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMemAllocPitch, CUPTI_DRIVER_TRACE_CBID_cuMemAllocPitch_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMemFree, CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync, CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync_ptsz,
      CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync,
      CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync_ptsz,
      CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync, CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync_ptsz,
      CUPTI_DRIVER_TRACE_CBID_cuArrayCreate, CUPTI_DRIVER_TRACE_CBID_cuArrayCreate_v2,
      CUPTI_DRIVER_TRACE_CBID_cuArray3DCreate, CUPTI_DRIVER_TRACE_CBID_cuArray3DCreate_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMipmappedArrayCreate, CUPTI_DRIVER_TRACE_CBID_cuArrayDestroy,
      CUPTI_DRIVER_TRACE_CBID_cuMipmappedArrayDestroy,
      // VMM and pools
      CUPTI_DRIVER_TRACE_CBID_cuMemCreate, CUPTI_DRIVER_TRACE_CBID_cuMemRelease,
      CUPTI_DRIVER_TRACE_CBID_cuMemMap, CUPTI_DRIVER_TRACE_CBID_cuMemUnmap,
      CUPTI_DRIVER_TRACE_CBID_cuMemPoolCreate, CUPTI_DRIVER_TRACE_CBID_cuMemPoolDestroy,
      // managed memory
      CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged, CUPTI_DRIVER_TRACE_CBID_cuLibraryGetManaged,
      CUPTI_DRIVER_TRACE_CBID_cuModuleGetGlobal_v2, CUPTI_DRIVER_TRACE_CBID_cuLibraryGetGlobal,
      // pinned, registered and mapped host memory
      CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc, CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMemAllocHost,
      CUPTI_DRIVER_TRACE_CBID_cuMemAllocHost_v2, CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost,
      CUPTI_DRIVER_TRACE_CBID_cuMemHostRegister, CUPTI_DRIVER_TRACE_CBID_cuMemHostRegister_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMemHostUnregister,
      CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer,
      CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer_v2,
      // migrations to the host
      CUPTI_DRIVER_TRACE_CBID_cuMemAdvise, CUPTI_DRIVER_TRACE_CBID_cuMemAdvise_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync, CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_ptsz,
      CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_v2,
      CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_v2_ptsz,
      CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchBatchAsync,
      CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchBatchAsync_ptsz,
      // contexts that take their allocations with them
      CUPTI_DRIVER_TRACE_CBID_cuDevicePrimaryCtxReset, CUPTI_DRIVER_TRACE_CBID_cuDevicePrimaryCtxReset_v2,
      CUPTI_DRIVER_TRACE_CBID_cuCtxDestroy, CUPTI_DRIVER_TRACE_CBID_cuCtxDestroy_v2,
  };
  return ids;
}

static bool frees_at_enter(std::uint32_t cbid) {
  switch (cbid) {
    case CUPTI_DRIVER_TRACE_CBID_cuMemFree:
    case CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2:
    case CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync:
    case CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync_ptsz:
    case CUPTI_DRIVER_TRACE_CBID_cuArrayDestroy:
    case CUPTI_DRIVER_TRACE_CBID_cuMipmappedArrayDestroy:
    case CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost:
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostUnregister:
    case CUPTI_DRIVER_TRACE_CBID_cuMemRelease:
    case CUPTI_DRIVER_TRACE_CBID_cuMemUnmap:
    case CUPTI_DRIVER_TRACE_CBID_cuCtxDestroy:
    case CUPTI_DRIVER_TRACE_CBID_cuCtxDestroy_v2:
      return true;
    default:
      return false;
  }
}

std::size_t CallbackDecoder::variable_bytes(std::uint32_t cbid, const std::size_t* bytes,
                                            const void* library_or_module, const char* name) const {
  if (bytes != nullptr && *bytes != 0) return *bytes;
  return variable_size_ != nullptr ? variable_size_(cbid, library_or_module, name) : 0;
}

void CallbackDecoder::decode(const CallbackRecord& record, std::vector<AllocationEvent>& out) {
  if (record.params == nullptr) {
    return;
  }
  // Nothing to do: a failed call, or an enter without frees when no intents are wanted.
  if ((record.exit && record.result != CUDA_SUCCESS) ||
      (!record.exit && !record.intents && !frees_at_enter(record.cbid))) {
    return;
  }
  const bool enter = !record.exit;
  // At exit, only successful calls allocated anything.
  const bool done = record.exit && record.result == CUDA_SUCCESS;
  // Allocations: an intent at enter (pointer 0), the allocation at exit.
  const auto allocation = [&](MemoryKind kind, const char* api, std::uint64_t pointer,
                              std::size_t bytes, int device, std::uint64_t flags = 0,
                              std::string detail = {}) {
    if ((enter && record.intents) || done) {
      out.push_back(event(EventType::Allocate, kind, api, enter ? 0 : pointer, bytes, device, flags,
                          std::move(detail)));
    }
  };
  const auto use = [&](MemoryKind kind, const char* api, std::uint64_t pointer, std::size_t bytes,
                       int device, std::string detail) {
    if ((enter && record.intents) || done) {
      out.push_back(event(EventType::Use, kind, api, pointer, bytes, device, 0, std::move(detail)));
    }
  };
  const auto free = [&](const char* api, std::uint64_t pointer) {
    if (enter && pointer != 0) {
      out.push_back(event(EventType::Free, MemoryKind::Device, api, pointer, 0, -1));
    }
  };

  switch (record.cbid) {
    // ---- device memory ------------------------------------------------------
    case CUPTI_DRIVER_TRACE_CBID_cuMemAlloc: {
      const auto& p = as<cuMemAlloc_params>(record);
      return allocation(MemoryKind::Device, "cuMemAlloc", done ? out_value(p.dptr) : 0, p.bytesize, device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2: {
      const auto& p = as<cuMemAlloc_v2_params>(record);
      return allocation(MemoryKind::Device, "cuMemAlloc_v2", done ? out_value(p.dptr) : 0, p.bytesize, device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocPitch: {
      const auto& p = as<cuMemAllocPitch_params>(record);
      const std::size_t pitch = done ? out_value(p.pPitch) : p.WidthInBytes;
      return allocation(MemoryKind::Device, "cuMemAllocPitch", done ? out_value(p.dptr) : 0,
                        pitch * std::size_t{p.Height}, device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocPitch_v2: {
      const auto& p = as<cuMemAllocPitch_v2_params>(record);
      const std::size_t pitch = done ? out_value(p.pPitch) : p.WidthInBytes;
      return allocation(MemoryKind::Device, "cuMemAllocPitch_v2", done ? out_value(p.dptr) : 0,
                        pitch * p.Height, device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync:
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync_ptsz: {
      // Same layout for both; the device's current pool is assumed to be on
      // the device (the sweep checks every recorded allocation anyway).
      const auto& p = as<cuMemAllocAsync_params>(record);
      const char* api = record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemAllocAsync ? "cuMemAllocAsync"
                                                                               : "cuMemAllocAsync_ptsz";
      return allocation(MemoryKind::Device, api, done ? out_value(p.dptr) : 0, p.bytesize, device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync:
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync_ptsz: {
      const auto& p = as<cuMemAllocFromPoolAsync_params>(record);
      const char* api = record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemAllocFromPoolAsync
                            ? "cuMemAllocFromPoolAsync"
                            : "cuMemAllocFromPoolAsync_ptsz";
      Handle pool{MemoryKind::Device, 0, -1};
      {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = pools_.find(reinterpret_cast<std::uint64_t>(p.pool));
        if (it != pools_.end()) {
          pool = it->second;
        }
      }
      const int dev = pool.kind == MemoryKind::Device ? device() : pool.device;
      return allocation(pool.kind, api, done ? out_value(p.dptr) : 0, p.bytesize, dev, 0,
                        pool.kind == MemoryKind::Device ? std::string() : "from a host or managed pool");
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemFree:
      return free("cuMemFree", as<cuMemFree_params>(record).dptr);
    case CUPTI_DRIVER_TRACE_CBID_cuMemFree_v2:
      return free("cuMemFree_v2", as<cuMemFree_v2_params>(record).dptr);
    case CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync:
      return free("cuMemFreeAsync", as<cuMemFreeAsync_params>(record).dptr);
    case CUPTI_DRIVER_TRACE_CBID_cuMemFreeAsync_ptsz:
      return free("cuMemFreeAsync_ptsz", as<cuMemFreeAsync_ptsz_params>(record).dptr);

    // ---- arrays: recorded under their handle (see enforcer.hpp) -------------
    case CUPTI_DRIVER_TRACE_CBID_cuArrayCreate: {
      const auto& p = as<cuArrayCreate_params>(record);
      if (p.pAllocateArray == nullptr) return;
      const auto& d = *p.pAllocateArray;
      return allocation(MemoryKind::Device, "cuArrayCreate", done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                        array_bytes(d.Width, d.Height, 1, d.Format, d.NumChannels), device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuArrayCreate_v2: {
      const auto& p = as<cuArrayCreate_v2_params>(record);
      if (p.pAllocateArray == nullptr) return;
      const auto& d = *p.pAllocateArray;
      return allocation(MemoryKind::Device, "cuArrayCreate_v2", done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                        array_bytes(d.Width, d.Height, 1, d.Format, d.NumChannels), device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuArray3DCreate: {
      const auto& p = as<cuArray3DCreate_params>(record);
      if (p.pAllocateArray == nullptr) return;
      const auto& d = *p.pAllocateArray;
      return allocation(MemoryKind::Device, "cuArray3DCreate", done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                        array_bytes(d.Width, d.Height, d.Depth, d.Format, d.NumChannels), device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuArray3DCreate_v2: {
      const auto& p = as<cuArray3DCreate_v2_params>(record);
      if (p.pAllocateArray == nullptr) return;
      const auto& d = *p.pAllocateArray;
      return allocation(MemoryKind::Device, "cuArray3DCreate_v2", done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                        array_bytes(d.Width, d.Height, d.Depth, d.Format, d.NumChannels), device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMipmappedArrayCreate: {
      const auto& p = as<cuMipmappedArrayCreate_params>(record);
      if (p.pMipmappedArrayDesc == nullptr) return;
      const auto& d = *p.pMipmappedArrayDesc;
      return allocation(MemoryKind::Device, "cuMipmappedArrayCreate",
                        done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pHandle)) : 0,
                        array_bytes(d.Width, d.Height, d.Depth, d.Format, d.NumChannels, p.numMipmapLevels),
                        device());
    }
    case CUPTI_DRIVER_TRACE_CBID_cuArrayDestroy:
      return free("cuArrayDestroy", reinterpret_cast<std::uint64_t>(as<cuArrayDestroy_params>(record).hArray));
    case CUPTI_DRIVER_TRACE_CBID_cuMipmappedArrayDestroy:
      return free("cuMipmappedArrayDestroy",
                  reinterpret_cast<std::uint64_t>(as<cuMipmappedArrayDestroy_params>(record).hMipmappedArray));

    // ---- VMM and pools --------------------------------------------------------
    case CUPTI_DRIVER_TRACE_CBID_cuMemCreate:
    case CUPTI_DRIVER_TRACE_CBID_cuMemRelease:
    case CUPTI_DRIVER_TRACE_CBID_cuMemMap:
    case CUPTI_DRIVER_TRACE_CBID_cuMemUnmap:
      return decode_vmm(record, out);
    case CUPTI_DRIVER_TRACE_CBID_cuMemPoolCreate:
    case CUPTI_DRIVER_TRACE_CBID_cuMemPoolDestroy:
      return decode_pool(record, out);

    // ---- managed memory -------------------------------------------------------
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocManaged: {
      const auto& p = as<cuMemAllocManaged_params>(record);
      return allocation(MemoryKind::Managed, "cuMemAllocManaged", done ? out_value(p.dptr) : 0, p.bytesize,
                        device(), p.flags, attach_flags(p.flags));
    }
    case CUPTI_DRIVER_TRACE_CBID_cuLibraryGetManaged: {
      // A __managed__ variable: its memory exists once the library is loaded;
      // this call hands its address to the program. Known only at exit.
      const auto& p = as<cuLibraryGetManaged_params>(record);
      if (!done) return;
      std::string detail = "__managed__ variable";
      if (p.name != nullptr) detail += std::string(" ") + p.name;
      return allocation(MemoryKind::Managed, "cuLibraryGetManaged", out_value(p.dptr),
                        variable_bytes(record.cbid, p.bytes, p.library, p.name), device(), 0, detail);
    }
    case CUPTI_DRIVER_TRACE_CBID_cuModuleGetGlobal_v2:
    case CUPTI_DRIVER_TRACE_CBID_cuLibraryGetGlobal: {
      // Same layout for both: (dptr, bytes, module or library, name).
      const auto& p = as<cuModuleGetGlobal_v2_params>(record);
      if (!done || is_managed_ == nullptr) return;
      const std::uint64_t pointer = out_value(p.dptr);
      if (pointer == 0 || !is_managed_(pointer)) return;
      std::string detail = "__managed__ variable";
      if (p.name != nullptr) detail += std::string(" ") + p.name;
      return allocation(MemoryKind::Managed,
                        record.cbid == CUPTI_DRIVER_TRACE_CBID_cuLibraryGetGlobal ? "cuLibraryGetGlobal"
                                                                                  : "cuModuleGetGlobal_v2",
                        pointer, variable_bytes(record.cbid, p.bytes, p.hmod, p.name), device(), 0, detail);
    }

    // ---- host memory ------------------------------------------------------------
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc:
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc_v2: {
      // Same layout for both (the _v2 id has no params struct of its own).
      const auto& p = as<cuMemHostAlloc_params>(record);
      const std::size_t before = out.size();
      allocation(MemoryKind::Pinned,
                 record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemHostAlloc ? "cuMemHostAlloc" : "cuMemHostAlloc_v2", done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pp)) : 0,
                 p.bytesize, -1, p.Flags, host_alloc_flags(p.Flags));
      if (out.size() > before) out.back().device_mapped = (p.Flags & CU_MEMHOSTALLOC_DEVICEMAP) != 0;
      return;
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocHost: {
      const auto& p = as<cuMemAllocHost_params>(record);
      return allocation(MemoryKind::Pinned, "cuMemAllocHost", done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pp)) : 0,
                        p.bytesize, -1);
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAllocHost_v2: {
      const auto& p = as<cuMemAllocHost_v2_params>(record);
      return allocation(MemoryKind::Pinned, "cuMemAllocHost_v2", done ? out_value(reinterpret_cast<std::uintptr_t*>(p.pp)) : 0,
                        p.bytesize, -1);
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostRegister:
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostRegister_v2: {
      // Same layout for both: (p, bytesize, Flags).
      const auto& p = as<cuMemHostRegister_v2_params>(record);
      const std::size_t before = out.size();
      allocation(MemoryKind::Registered,
                 record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemHostRegister ? "cuMemHostRegister"
                                                                          : "cuMemHostRegister_v2",
                 reinterpret_cast<std::uint64_t>(p.p), p.bytesize, -1, p.Flags, host_register_flags(p.Flags));
      if (out.size() > before) out.back().device_mapped = (p.Flags & CU_MEMHOSTREGISTER_DEVICEMAP) != 0;
      return;
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemFreeHost:
      return free("cuMemFreeHost", reinterpret_cast<std::uint64_t>(as<cuMemFreeHost_params>(record).p));
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostUnregister:
      return free("cuMemHostUnregister", reinterpret_cast<std::uint64_t>(as<cuMemHostUnregister_params>(record).p));
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer:
    case CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer_v2: {
      // The device gets a pointer into host memory: zero-copy access. Bytes
      // are filled in by the enforcer from the host allocation.
      const void* host = record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer
                             ? as<cuMemHostGetDevicePointer_params>(record).p
                             : as<cuMemHostGetDevicePointer_v2_params>(record).p;
      return use(MemoryKind::Mapped,
                 record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemHostGetDevicePointer ? "cuMemHostGetDevicePointer"
                                                                                  : "cuMemHostGetDevicePointer_v2",
                 reinterpret_cast<std::uint64_t>(host), 0, device(), "device access to host memory");
    }

    // ---- migrations to the host -------------------------------------------------
    case CUPTI_DRIVER_TRACE_CBID_cuMemAdvise: {
      const auto& p = as<cuMemAdvise_params>(record);
      if (p.advice != CU_MEM_ADVISE_SET_PREFERRED_LOCATION || p.device != CU_DEVICE_CPU) return;
      return use(MemoryKind::Migration, "cuMemAdvise", p.devPtr, p.count, -1,
                 "CU_MEM_ADVISE_SET_PREFERRED_LOCATION to the CPU");
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemAdvise_v2: {
      const auto& p = as<cuMemAdvise_v2_params>(record);
      if (p.advice != CU_MEM_ADVISE_SET_PREFERRED_LOCATION || !host_location(p.location.type)) return;
      return use(MemoryKind::Migration, "cuMemAdvise_v2", p.devPtr, p.count, -1,
                 "CU_MEM_ADVISE_SET_PREFERRED_LOCATION " + location_detail(p.location));
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync:
    case CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_ptsz: {
      const auto& p = as<cuMemPrefetchAsync_params>(record);
      if (p.dstDevice != CU_DEVICE_CPU) return;
      return use(MemoryKind::Migration,
                 record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync ? "cuMemPrefetchAsync"
                                                                           : "cuMemPrefetchAsync_ptsz",
                 p.devPtr, p.count, -1, "prefetch to the CPU");
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_v2:
    case CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_v2_ptsz: {
      const auto& p = as<cuMemPrefetchAsync_v2_params>(record);
      if (!host_location(p.location.type)) return;
      return use(MemoryKind::Migration,
                 record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchAsync_v2 ? "cuMemPrefetchAsync_v2"
                                                                              : "cuMemPrefetchAsync_v2_ptsz",
                 p.devPtr, p.count, -1, "prefetch to " + location_detail(p.location));
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchBatchAsync:
    case CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchBatchAsync_ptsz: {
      const auto& p = as<cuMemPrefetchBatchAsync_params>(record);
      if (p.dptrs == nullptr || p.sizes == nullptr || p.prefetchLocs == nullptr || p.prefetchLocIdxs == nullptr) return;
      const char* api = record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemPrefetchBatchAsync
                            ? "cuMemPrefetchBatchAsync"
                            : "cuMemPrefetchBatchAsync_ptsz";
      // prefetchLocs[j] applies to dptrs[prefetchLocIdxs[j] .. prefetchLocIdxs[j + 1]).
      for (std::size_t j = 0; j < p.numPrefetchLocs; ++j) {
        if (!host_location(p.prefetchLocs[j].type)) continue;
        const std::size_t first = p.prefetchLocIdxs[j];
        const std::size_t last = j + 1 < p.numPrefetchLocs ? p.prefetchLocIdxs[j + 1] : p.count;
        for (std::size_t i = first; i < last && i < p.count; ++i) {
          use(MemoryKind::Migration, api, p.dptrs[i], p.sizes[i], -1,
              "prefetch to " + location_detail(p.prefetchLocs[j]));
        }
      }
      return;
    }
    // ---- contexts -------------------------------------------------------------------
    case CUPTI_DRIVER_TRACE_CBID_cuDevicePrimaryCtxReset:
    case CUPTI_DRIVER_TRACE_CBID_cuDevicePrimaryCtxReset_v2: {
      if (!done) return;  // same layout for both: (dev)
      out.push_back(event(EventType::ReleaseDevice, MemoryKind::Device, "cuDevicePrimaryCtxReset", 0, 0,
                          static_cast<int>(as<cuDevicePrimaryCtxReset_v2_params>(record).dev)));
      return;
    }
    case CUPTI_DRIVER_TRACE_CBID_cuCtxDestroy:
    case CUPTI_DRIVER_TRACE_CBID_cuCtxDestroy_v2: {
      const CUcontext ctx = as<cuCtxDestroy_v2_params>(record).ctx;  // same layout for both
      if (!enter || ctx == nullptr || context_device_ == nullptr) return;
      const int dev = context_device_(ctx);
      if (dev >= 0) {
        out.push_back(event(EventType::ReleaseDevice, MemoryKind::Device, "cuCtxDestroy", 0, 0, dev));
      }
      return;
    }
    default:
      return;
  }
}

void CallbackDecoder::decode_vmm(const CallbackRecord& record, std::vector<AllocationEvent>& out) {
  const bool enter = !record.exit;
  const bool done = record.exit && record.result == CUDA_SUCCESS;
  switch (record.cbid) {
    case CUPTI_DRIVER_TRACE_CBID_cuMemCreate: {
      // The memory exists from here; it reaches the program through cuMemMap.
      // Device memory is recorded at the mapping, host memory reported here.
      const auto& p = as<cuMemCreate_params>(record);
      if (p.prop == nullptr || (enter && !record.intents) || (!enter && !done)) return;
      const CUmemAllocationProp& prop = *p.prop;
      MemoryKind kind = MemoryKind::Device;
      if (prop.type == CU_MEM_ALLOCATION_TYPE_MANAGED) {
        kind = MemoryKind::Managed;
      } else if (host_location(prop.location.type)) {
        kind = MemoryKind::HostVmm;
      }
      const int dev = prop.location.type == CU_MEM_LOCATION_TYPE_DEVICE ? prop.location.id : -1;
      const std::uint64_t handle = done ? out_value(p.handle) : 0;
      if (done) {
        std::lock_guard<std::mutex> lock(mutex_);
        vmm_handles_[handle] = Handle{kind, p.size, dev};
      }
      if (kind != MemoryKind::Device) {
        // Host VMM memory has no address until mapped: the handle stands for it.
        out.push_back(event(EventType::Allocate, kind, "cuMemCreate", handle, p.size, dev, p.flags,
                            location_detail(prop.location)));
        out.back().vmm_handle = true;
      }
      return;
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemRelease: {
      const auto& p = as<cuMemRelease_params>(record);
      if (!enter) return;
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = vmm_handles_.find(p.handle);
      if (it == vmm_handles_.end()) return;
      if (it->second.kind != MemoryKind::Device) {
        out.push_back(event(EventType::Free, it->second.kind, "cuMemRelease", p.handle, 0, -1));
        out.back().vmm_handle = true;
      }
      vmm_handles_.erase(it);
      return;
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemMap: {
      const auto& p = as<cuMemMap_params>(record);
      Handle handle{MemoryKind::Device, p.size, -1};
      {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = vmm_handles_.find(p.handle);
        if (it != vmm_handles_.end()) {
          handle = it->second;
        }
        if (handle.kind == MemoryKind::Device && done) {
          mappings_[p.ptr] = p.size;
        }
      }
      // Device memory becomes addressable here: a tracked allocation. (Host
      // and managed handles were reported at cuMemCreate.) A handle made
      // before the injection started, or imported, is taken as device
      // memory; the sweep checks it.
      if (handle.kind == MemoryKind::Device && done) {
        out.push_back(event(EventType::Allocate, MemoryKind::Device, "cuMemMap", p.ptr, p.size,
                            handle.device >= 0 ? handle.device : device(), p.flags, "cuMemCreate + cuMemMap"));
      }
      return;
    }
    case CUPTI_DRIVER_TRACE_CBID_cuMemUnmap: {
      // Releases every mapping based in [ptr, ptr + size).
      const auto& p = as<cuMemUnmap_params>(record);
      if (!enter) return;
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = mappings_.lower_bound(p.ptr);
      while (it != mappings_.end() && it->first - p.ptr < p.size) {
        out.push_back(event(EventType::Free, MemoryKind::Device, "cuMemUnmap", it->first, 0, -1));
        it = mappings_.erase(it);
      }
      return;
    }
    default:
      return;
  }
}

void CallbackDecoder::decode_pool(const CallbackRecord& record, std::vector<AllocationEvent>&) {
  // Pools allocate nothing themselves: a pool on the host (or a managed one)
  // is remembered, and each allocation from it is reported.
  if (record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemPoolCreate) {
    const auto& p = as<cuMemPoolCreate_params>(record);
    if (!record.exit || record.result != CUDA_SUCCESS || p.poolProps == nullptr || p.pool == nullptr) return;
    const CUmemPoolProps& props = *p.poolProps;
    MemoryKind kind = MemoryKind::Device;
    if (props.allocType == CU_MEM_ALLOCATION_TYPE_MANAGED) {
      kind = MemoryKind::Managed;
    } else if (host_location(props.location.type)) {
      kind = MemoryKind::HostPool;
    }
    if (kind != MemoryKind::Device) {
      std::lock_guard<std::mutex> lock(mutex_);
      pools_[reinterpret_cast<std::uint64_t>(*p.pool)] =
          Handle{kind, 0, props.location.type == CU_MEM_LOCATION_TYPE_DEVICE ? props.location.id : -1};
    }
  } else if (record.cbid == CUPTI_DRIVER_TRACE_CBID_cuMemPoolDestroy && record.exit) {
    const auto& p = as<cuMemPoolDestroy_params>(record);
    std::lock_guard<std::mutex> lock(mutex_);
    pools_.erase(reinterpret_cast<std::uint64_t>(p.pool));
  }
}

}  // namespace vram_only::attach
