// What the interposer (the default backend: libvram_only_attach.so in
// LD_PRELOAD) knows about itself: whether it is active, the dynamic linker's
// real dlsym, whether an address is its own code, and whether the process
// was ever handed one of its driver entry points (else the program reached
// libcuda some other way: interposer_watch.hpp).
//
// Everything here works before the library's static constructors ran (the
// dynamic linker and sanitizer runtimes may call dlsym that early): plain
// atomics and function-local state only. Thread-safety: any thread.
#pragma once

namespace vram_only::attach {

using DlsymFunction = void* (*)(void*, const char*);

// glibc's dlsym (dlvsym(RTLD_NEXT, "dlsym", <the base version>)).
DlsymFunction real_dlsym() noexcept;

// The interposer wraps driver entry points: the library is in the global
// scope ahead of libcuda (LD_PRELOAD) and VRAM_ONLY_BACKEND is not "cupti".
// False when the driver loaded the library as a CUPTI injection.
bool interposer_active() noexcept;

// `address` lies in this library's code.
bool is_own_address(const void* address) noexcept;

// The program reaches the wrappers: it looked a driver entry point up
// through the interposer's dlsym or received its cuGetProcAddress, or it is
// linked against libcuda (its PLT calls reach the exports).
void note_handed_out() noexcept;
bool handed_out() noexcept;

}  // namespace vram_only::attach

namespace vram_only::attach {

// dlsym's answer `real` for `symbol`, as the program should see it: the
// interposer's own function for the family and cuGetProcAddress, `real`
// itself for everything else (driver_interposer.cpp).
void* hand_out_symbol(const char* symbol, void* real);
// `symbol` is one the interposer exports (the family or cuGetProcAddress*).
bool is_interposed_symbol(const char* symbol) noexcept;

}  // namespace vram_only::attach
