// Another LD_PRELOAD tool, as found in production next to vram-only: it
// overrides getpid() and finds the next one with dlsym(RTLD_NEXT) (which
// must mean "after this tool", whoever overrides dlsym), and overrides dlsym
// itself, chaining to the next dlsym in one of two ways
// (NEIGHBOUR_CHAIN): "rtld_next" (dlsym(RTLD_NEXT, "dlsym"): the next
// override, vram-only's when it comes later) or "glibc" (dlvsym of glibc's
// own, skipping any later override).
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace {

using Dlsym = void* (*)(void*, const char*);

// Plain atomics, no function-local static: this runs before a sanitizer
// runtime is initialised.
std::atomic<Dlsym> g_next{nullptr};

Dlsym next_dlsym() {
  Dlsym next = g_next.load();
  if (next == nullptr) {
    auto glibc = reinterpret_cast<Dlsym>(dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5"));
    const char* chain = std::getenv("NEIGHBOUR_CHAIN");
    // "glibc": glibc's own; else the next dlsym after this one, found with glibc's.
    next = chain != nullptr && std::strcmp(chain, "glibc") == 0 ? glibc
                                                                 : reinterpret_cast<Dlsym>(glibc(RTLD_NEXT, "dlsym"));
    g_next.store(next);
  }
  return next;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void* dlsym(void* handle, const char* name) {
  return next_dlsym()(handle, name);
}

extern "C" __attribute__((visibility("default"))) pid_t getpid() {
  static auto next = reinterpret_cast<pid_t (*)()>(dlsym(RTLD_NEXT, "getpid"));
  return next();
}
