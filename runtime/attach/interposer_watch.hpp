// What LD_PRELOAD cannot reach, found at run time: code that loads libcuda
// and looks its entry points up without the interposer's dlsym or
// cuGetProcAddress (a library with its own private dlopen/dlsym copy,
// RTLD_DEEPBIND, a statically linked loader) calls the driver unseen. The
// watch notices that the driver was initialised (cuCtxGetCurrent no longer
// answers CUDA_ERROR_NOT_INITIALIZED) while no entry point of the
// interposer was ever handed out, and marks the process unhealthy with that
// reason (or stops it with 87 under --require): never a silent pass.
//
// It checks twice a second from a thread started by the library's
// constructor when the interposer is active (and again in a forked child),
// and once more at exit, before the report is written, so that a short
// program's report says it too. The thread ends at the first verdict. A
// program linked against libcuda (loaded before the library's constructor)
// is not watched: its calls through the PLT reach the interposer's exports.
#pragma once

namespace vram_only::attach {

// The reason the watch gives (also in the report's injection.error).
extern const char* const kBypassReason;

// One check: true when there is nothing more to watch (entry points were
// handed out, or the bypass was reported now).
bool check_driver_bypass();

}  // namespace vram_only::attach
