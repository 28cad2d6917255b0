// The few driver functions the enforcer asks while deciding (the current
// device, whether an address is managed, a context's device, a variable's
// size), resolved from the libcuda.so.1 already in the process with the
// dynamic linker's own lookup, so that neither backend sees its own calls.
//
// Thread-safety: open_driver_functions() runs once, before the answers are
// asked; the answers may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vram_only::attach {

// Resolves the functions (libcuda.so.1: already loaded, else loaded).
// Returns false when the driver cannot be loaded.
bool open_driver_functions();

int current_device();
int context_device(const void* context);
bool is_managed(std::uint64_t pointer);
// A global's size by asking the API of callback id `cbid` again for it.
std::size_t variable_size(std::uint32_t cbid, const void* library_or_module, const char* name);
// cuDriverGetVersion, or 0 when unknown.
int driver_version();

}  // namespace vram_only::attach
