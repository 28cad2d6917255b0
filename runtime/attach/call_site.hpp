// Which library made a CUDA call, found from inside the CUPTI callback.
//
// backtrace() from the callback named no frame outside libcuda, libcupti
// and the injection library within 8 frames (measured). Two ways, in order:
// 1. unwind: _Unwind_Backtrace over up to 64 frames (the program's own
//    unwind tables), taking the first frame in a module that is not CUDA's
//    plumbing (libcuda, libcupti, libcudart, this library);
// 2. scan: when unwinding stops inside that plumbing (a frame without unwind
//    information), read the stack upwards from the current frame and take
//    the first word that points into the code of another module just after
//    a call instruction: a return address into the caller.
// Either may fail (no unwind tables, a stripped caller inlined into CUDA's
// frames, nothing found within the scan limit): the result is then
// "unknown", never a guess from outside the stack.
//
// Thread-safety: find_call_site() may run on any thread; the module table is
// rebuilt under a lock when libraries were loaded or unloaded since.
#pragma once

#include <cstdint>
#include <string>

namespace vram_only::attach {

struct CallSite {
  std::string library;  // path of the calling module ("" when unknown)
  std::string symbol;   // nearest exported symbol, when there is one
  std::uint64_t offset = 0;  // return address - module base
  const char* method = "unknown";  // "return_address", "unwind", "scan" or "unknown"

  bool known() const noexcept { return !library.empty(); }
  // "libggml-cuda.so+0x1a2b3 (ggml_cuda_host_malloc)" or "unknown".
  std::string describe() const;
};

// Module names (substrings of the file name) that are CUDA's plumbing
// between the caller and the callback, and this library.
bool is_plumbing(const std::string& path);

CallSite find_call_site();

// The caller of an interposed driver entry point: the module of
// `return_address` when it is not CUDA's plumbing (method "return_address"),
// else find_call_site() from here (cudart calls the driver for the program).
CallSite call_site_at(const void* return_address);

}  // namespace vram_only::attach
