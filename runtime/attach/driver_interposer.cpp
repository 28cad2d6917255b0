// The interposer backend (vram-only-run's default): libvram_only_attach.so
// in LD_PRELOAD exports every entry point of driver_entry_points.def under
// its real name, and cuGetProcAddress / cuGetProcAddress_v2; dlsym
// (dlsym_override.cpp) and cuGetProcAddress hand out these wrappers for the
// family and return every other entry point untouched (the very pointer the
// driver gave: no cost outside the family).
//
// A wrapper fills the entry point's parameter struct (the one CUPTI would
// deliver) from its arguments, gives the enforcer the API_ENTER record,
// calls the driver, and gives it the API_EXIT record with the result: the
// same records, decoded by the same decoder, as the CUPTI backend's. The
// caller is the wrapper's return address (call_site.hpp names its library).
//
// Which wrapper: by name AND cudaVersion (and the per-thread stream flag),
// as the driver picks the ABI (entry_for_request). The driver's pointer for
// a row is remembered at the first hand-out (or found with dlsym(RTLD_NEXT)
// when the program called the export through its PLT); every implementation
// the driver hands out for one row has the same ABI.
//
// Re-entrancy: a driver call made while this thread is inside a wrapper
// (the driver calling its own entry points, the enforcer asking the driver,
// a listener allocating) goes straight to the driver, unrecorded, as
// CUPTI does not report calls made from inside a callback either.
//
// Thread-safety: wrappers run on any thread; the remembered pointers are
// atomics; the session starts once (attach_session.hpp).
#define __CUDA_API_VERSION_INTERNAL 1
#include <cuda.h>
#include <cupti_driver_cbid.h>
#include <dlfcn.h>
#include <generated_cuda_meta.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

#include "attach_session.hpp"
#include "call_site.hpp"
#include "entry_point_table.hpp"
#include "interposer_state.hpp"

#define VRAM_ONLY_EXPORT __attribute__((visibility("default")))
#define VRAM_ONLY_UNPAREN(...) __VA_ARGS__

namespace vram_only::attach {
namespace {

enum Row : std::size_t {
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, ...) kRow_##Symbol,
#include "driver_entry_points.def"
  kRowCount
};

// The driver's implementation of each row, and of both cuGetProcAddress forms.
std::atomic<void*> g_real[kRowCount];
std::atomic<void*> g_real_get_proc_address[2];  // [0] 4 arguments (11030), [1] 5 arguments (12000)
constexpr const char* kGetProcAddressSymbols[2] = {"cuGetProcAddress", "cuGetProcAddress_v2"};

thread_local bool t_inside = false;            // in a wrapper: further driver calls pass through
thread_local const void* t_caller = nullptr;   // the wrapper's return address

void remember(std::atomic<void*>& slot, void* real) {
  void* expected = nullptr;
  if (real != nullptr && !is_own_address(real)) slot.compare_exchange_strong(expected, real);
}

// The driver's function for `slot`, found after this library when the
// program called the export directly (linked against libcuda).
void* real_of(std::atomic<void*>& slot, const char* symbol) {
  void* f = slot.load(std::memory_order_acquire);
  if (f == nullptr) {
    if (const DlsymFunction lookup = real_dlsym()) remember(slot, lookup(RTLD_NEXT, symbol));
    f = slot.load(std::memory_order_acquire);
  }
  return f;
}

CallSite caller_site() { return call_site_at(t_caller); }

// The enforcer, once the session runs (started here at the first call).
Enforcer* enforcer() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::string why;
    AttachSession& session = start_session("interpose", caller_site, why);
    if (!why.empty()) {
      fail_closed(session, why);
      return;
    }
    session.active = true;
    log_enforcing(session, "interposer (LD_PRELOAD): " + std::to_string(entry_count()) +
                               " driver entry points wrapped, every other one untouched");
  });
  const AttachSession* session = current_session();
  return session != nullptr && session->active.load(std::memory_order_relaxed) ? session->enforcer : nullptr;
}

void deliver(Enforcer& enforcer, const CallbackRecord& record) {
  try {
    enforcer.on_callback(record);
  } catch (...) {
    // Never let an exception cross into the program's driver call.
  }
}

template <std::size_t RowIndex, class Params, class... Args>
CUresult intercept(const void* caller, Args... args) {
  using Function = CUresult (*)(Args...);
  const auto real = reinterpret_cast<Function>(real_of(g_real[RowIndex], entry_points()[RowIndex].symbol));
  if (real == nullptr) return CUDA_ERROR_NOT_FOUND;
  if (t_inside || !interposer_active()) return real(args...);
  Enforcer* e = enforcer();
  if (e == nullptr) return real(args...);
  t_inside = true;
  t_caller = caller;
  const Params params{args...};
  const std::uint32_t cbid = entry_points()[RowIndex].cbid;
  deliver(*e, CallbackRecord{false, cbid, &params, 0, true});
  const CUresult result = real(args...);
  deliver(*e, CallbackRecord{true, cbid, &params, static_cast<int>(result), true});
  t_inside = false;
  return result;
}

}  // namespace
}  // namespace vram_only::attach

// ---- the family, exported under the driver's names ----------------------------
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, Base, Version, Stream, Kind, Decoder, Params, Signature, Arguments) \
  extern "C" VRAM_ONLY_EXPORT CUresult CUDAAPI Symbol Signature {                                         \
    return vram_only::attach::intercept<vram_only::attach::kRow_##Symbol, Params>(                       \
        __builtin_return_address(0), VRAM_ONLY_UNPAREN Arguments);                                       \
  }
#include "driver_entry_points.def"

extern "C" VRAM_ONLY_EXPORT CUresult CUDAAPI cuGetProcAddress(const char* symbol, void** pfn, int cudaVersion,
                                                              cuuint64_t flags);
extern "C" VRAM_ONLY_EXPORT CUresult CUDAAPI cuGetProcAddress_v2(const char* symbol, void** pfn, int cudaVersion,
                                                                 cuuint64_t flags,
                                                                 CUdriverProcAddressQueryResult* symbolStatus);

namespace vram_only::attach {
namespace {

void* const kWrappers[kRowCount] = {
#define VRAM_ONLY_DRIVER_ENTRY(Symbol, ...) reinterpret_cast<void*>(&::Symbol),
#include "driver_entry_points.def"
};

}  // namespace

void* hand_out_get_proc_address(int form, void* real) {
  remember(g_real_get_proc_address[form], real);
  note_handed_out();
  enforcer();  // the session (and its report) from the first hand-out on
  return form == 0 ? reinterpret_cast<void*>(&::cuGetProcAddress) : reinterpret_cast<void*>(&::cuGetProcAddress_v2);
}

void* hand_out_symbol(const char* symbol, void* real) {
  if (real == nullptr || is_own_address(real) || !interposer_active()) return real;
  for (int form = 0; form < 2; ++form) {
    if (std::strcmp(symbol, kGetProcAddressSymbols[form]) == 0) return hand_out_get_proc_address(form, real);
  }
  const std::size_t row = entry_by_symbol(symbol);
  if (row == kNoEntry) return real;
  remember(g_real[row], real);
  note_handed_out();
  enforcer();
  return kWrappers[row];
}

bool is_interposed_symbol(const char* symbol) noexcept {
  return std::strcmp(symbol, kGetProcAddressSymbols[0]) == 0 || std::strcmp(symbol, kGetProcAddressSymbols[1]) == 0 ||
         entry_by_symbol(symbol) != kNoEntry;
}

namespace {

// What cuGetProcAddress(symbol, cudaVersion, flags) hands the program, given
// the driver's answer `real`.
void* hand_out_request(const char* symbol, void* real, int cuda_version, cuuint64_t flags) {
  if (symbol == nullptr || real == nullptr || is_own_address(real) || !interposer_active()) return real;
  if (std::strcmp(symbol, "cuGetProcAddress") == 0) {
    // The 5-argument form from CUDA 12.0 on: the runtime asks for both.
    return hand_out_get_proc_address(cuda_version >= 12000 ? 1 : 0, real);
  }
  const bool per_thread = (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) != 0;
  std::size_t row = entry_for_request(symbol, cuda_version, per_thread ? EntryStream::PerThread : EntryStream::Legacy);
  if (row == kNoEntry && per_thread) row = entry_for_request(symbol, cuda_version, EntryStream::Legacy);
  if (row == kNoEntry) return real;
  remember(g_real[row], real);
  note_handed_out();
  enforcer();
  return kWrappers[row];
}

}  // namespace
}  // namespace vram_only::attach

extern "C" CUresult CUDAAPI cuGetProcAddress(const char* symbol, void** pfn, int cudaVersion, cuuint64_t flags) {
  using namespace vram_only::attach;
  using Function = CUresult (*)(const char*, void**, int, cuuint64_t);
  const auto real = reinterpret_cast<Function>(real_of(g_real_get_proc_address[0], kGetProcAddressSymbols[0]));
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  const CUresult result = real(symbol, pfn, cudaVersion, flags);
  if (result == CUDA_SUCCESS && pfn != nullptr) *pfn = hand_out_request(symbol, *pfn, cudaVersion, flags);
  return result;
}

extern "C" CUresult CUDAAPI cuGetProcAddress_v2(const char* symbol, void** pfn, int cudaVersion, cuuint64_t flags,
                                                CUdriverProcAddressQueryResult* symbolStatus) {
  using namespace vram_only::attach;
  using Function = CUresult (*)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*);
  const auto real = reinterpret_cast<Function>(real_of(g_real_get_proc_address[1], kGetProcAddressSymbols[1]));
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  const CUresult result = real(symbol, pfn, cudaVersion, flags, symbolStatus);
  if (result == CUDA_SUCCESS && pfn != nullptr) *pfn = hand_out_request(symbol, *pfn, cudaVersion, flags);
  return result;
}
