// CallbackDecoder: turns one driver-API call record (callback id, API_ENTER
// or API_EXIT, the API's parameter struct from CUPTI's generated_cuda_meta.h,
// its CUresult) into AllocationEvents. Both backends make the same records:
// CUPTI delivers them, the interposer's wrappers fill the same structs from
// their arguments (driver_entry_points.def says which API has which struct
// and decoder). Pure: it reads
// the parameter structs and keeps the few handles it needs to understand
// later calls (VMM handles and their location, memory pools and theirs, the
// VMM mappings); it never calls CUDA. The tests feed it the very structs
// CUPTI delivers.
//
// When events come:
// - frees (cuMemFree*, cuMemFreeHost, cuMemHostUnregister, cuMemUnmap,
//   cuMemRelease of a host handle, array destroys) at API_ENTER, before the
//   memory goes away (the tracker wants deallocations recorded first); so is
//   cuCtxDestroy (every allocation of its device); cuDevicePrimaryCtxReset
//   (cudaDeviceReset) at its exit;
// - allocations and uses at API_EXIT of a successful call, with the pointer;
// - and at API_ENTER, for the enforcer's abort mode, the same allocations
//   and uses as intents (pointer 0): what the call is about to do.
//
// Thread-safety: decode() may be called from any thread; the handle tables
// are under one mutex, taken only by the calls that need them (VMM, pools;
// cuMemAllocAsync only once a current pool was set).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "allocation_event.hpp"

namespace vram_only::attach {

struct CallbackRecord {
  bool exit = false;         // CUPTI_API_EXIT (else CUPTI_API_ENTER)
  std::uint32_t cbid = 0;    // CUpti_driver_api_trace_cbid
  const void* params = nullptr;  // the API's <name>_params struct
  int result = 0;            // the call's CUresult (meaningful at exit)
  bool intents = true;       // at enter: also the allocations the call is about to make
};

class CallbackDecoder {
 public:
  // Asked for the device of the calling thread's context (an ordinal, or -1),
  // only when an event needs it.
  using CurrentDevice = int (*)();
  // Asked at the exit of cuModuleGetGlobal / cuLibraryGetGlobal whether the
  // global's address is managed memory (a __managed__ variable).
  using IsManaged = bool (*)(std::uint64_t pointer);
  // Asked at the enter of cuCtxDestroy for the context's device ordinal.
  using ContextDevice = int (*)(const void* context);
  // Asked at the exit of cuLibraryGetManaged / cuLibraryGetGlobal /
  // cuModuleGetGlobal when the caller passed no `bytes` (the CUDA runtime
  // does, for __managed__ variables): the variable's size, by asking the
  // same API again (cbid) for the library or module and name; 0 = unknown.
  using VariableSize = std::size_t (*)(std::uint32_t cbid, const void* library_or_module, const char* name);

  explicit CallbackDecoder(CurrentDevice current_device = nullptr, IsManaged is_managed = nullptr,
                           ContextDevice context_device = nullptr, VariableSize variable_size = nullptr)
      : current_device_(current_device),
        is_managed_(is_managed),
        context_device_(context_device),
        variable_size_(variable_size) {}

  // The driver callback ids to enable: allocation-related ones only.
  static const std::vector<std::uint32_t>& callback_ids();

  // Appends the events of `record` to `out` (usually none or one).
  void decode(const CallbackRecord& record, std::vector<AllocationEvent>& out);

 private:
  struct Handle {
    MemoryKind kind = MemoryKind::Device;
    std::size_t bytes = 0;
    int device = -1;
  };
  struct Call;      // one record being decoded
  struct Decoders;  // one decoder per argument layout
  friend struct Decoders;

  // What a pool hands out (Device unless remembered as host or managed).
  Handle pool(std::uint64_t pool);
  // The device's current pool, as cuMemAllocAsync uses it.
  Handle current_pool(int device);
  void remember_pool(std::uint64_t pool, int allocation_type, int location_type, int location_id);
  void set_current_pool(int device, std::uint64_t pool);

  int device() const { return current_device_ != nullptr ? current_device_() : -1; }
  // A global's size: *bytes when the caller asked for it, else variable_size_.
  std::size_t variable_bytes(std::uint32_t cbid, const std::size_t* bytes, const void* library_or_module,
                             const char* name) const;

  CurrentDevice current_device_;
  IsManaged is_managed_;
  ContextDevice context_device_;
  VariableSize variable_size_;
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, Handle> vmm_handles_;  // CUmemGenericAllocationHandle
  std::unordered_map<std::uint64_t, Handle> pools_;        // CUmemoryPool, non-device only
  std::unordered_map<int, std::uint64_t> current_pools_;    // device -> its current pool, once set
  std::atomic<bool> non_device_pools_{false};               // pools_ was ever non-empty
  std::atomic<bool> current_pools_set_{false};              // current_pools_ was ever non-empty
  std::map<std::uint64_t, std::size_t> mappings_;          // cuMemMap'd base -> size
};

// Bytes of a CUDA array of this shape (for the tracker's accounting).
std::size_t array_bytes(std::size_t width, std::size_t height, std::size_t depth,
                        unsigned format, unsigned channels, unsigned levels = 1);

}  // namespace vram_only::attach
