#include "interposer_state.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

extern "C" int cuGetProcAddress(const char*, void**, int, unsigned long long);

namespace vram_only::attach {
namespace {

std::atomic<int> g_active{-1};  // -1 not known yet
std::atomic<bool> g_handed_out{false};

}  // namespace

bool interposer_active() noexcept {
  int active = g_active.load(std::memory_order_acquire);
  if (active < 0) {
    const char* backend = std::getenv("VRAM_ONLY_BACKEND");
    const bool cupti = backend != nullptr && std::strcmp(backend, "cupti") == 0;
    // The program's global scope (not this library's own, which RTLD_DEFAULT
    // would also search when the driver dlopen-ed it as an injection).
    const DlsymFunction lookup = real_dlsym();
    void* program = dlopen(nullptr, RTLD_LAZY);
    const bool global = lookup != nullptr && program != nullptr &&
                        lookup(program, "cuGetProcAddress") == reinterpret_cast<void*>(&::cuGetProcAddress);
    active = !cupti && global ? 1 : 0;
    g_active.store(active, std::memory_order_release);
  }
  return active == 1;
}

bool is_own_address(const void* address) noexcept {
  static std::atomic<const void*> own_base{nullptr};
  const void* base = own_base.load(std::memory_order_acquire);
  if (base == nullptr) {
    Dl_info self{};
    if (dladdr(reinterpret_cast<const void*>(&is_own_address), &self) == 0) return false;
    base = self.dli_fbase;
    own_base.store(base, std::memory_order_release);
  }
  Dl_info info{};
  return dladdr(address, &info) != 0 && info.dli_fbase == base;
}

void note_handed_out() noexcept { g_handed_out.store(true, std::memory_order_release); }
bool handed_out() noexcept { return g_handed_out.load(std::memory_order_acquire); }

}  // namespace vram_only::attach
