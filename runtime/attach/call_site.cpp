#include "call_site.hpp"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <unistd.h>
#include <unwind.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace vram_only::attach {
namespace {

constexpr int kMaxUnwindFrames = 64;
constexpr std::size_t kMaxScanWords = 4096;  // 32 KiB of stack

struct Segment {
  std::uintptr_t begin;
  std::uintptr_t end;
  std::size_t module;  // index into Modules::names
};

struct Modules {
  std::vector<Segment> segments;  // executable segments, sorted by begin
  std::vector<std::string> names;
  std::vector<bool> plumbing;
  unsigned long long adds = ~0ull;
  unsigned long long subs = ~0ull;
};

std::shared_mutex modules_mutex;
Modules& modules() {
  static Modules* const m = new Modules();  // never destroyed: used until exit
  return *m;
}

int collect(struct dl_phdr_info* info, std::size_t, void* data) {
  auto* m = static_cast<Modules*>(data);
  const std::size_t index = m->names.size();
  std::string name = info->dlpi_name != nullptr ? info->dlpi_name : "";
  if (name.empty()) {
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    name = n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : "[main program]";
  }
  m->names.push_back(name);
  m->plumbing.push_back(is_plumbing(name) || name.find("linux-vdso") != std::string::npos);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) != 0) {
      const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
      m->segments.push_back(Segment{begin, begin + ph.p_memsz, index});
    }
  }
  return 0;
}

int read_counts(struct dl_phdr_info* info, std::size_t size, void* data) {
  auto* counts = static_cast<unsigned long long*>(data);
  if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
    counts[0] = info->dlpi_adds;
    counts[1] = info->dlpi_subs;
  }
  return 1;  // the first module is enough: the counters are global
}

// The module table, rebuilt when libraries were loaded or unloaded.
void refresh_modules() {
  unsigned long long counts[2] = {0, 0};
  dl_iterate_phdr(read_counts, counts);
  {
    std::shared_lock<std::shared_mutex> lock(modules_mutex);
    if (modules().adds == counts[0] && modules().subs == counts[1]) return;
  }
  Modules fresh;
  dl_iterate_phdr(collect, &fresh);
  std::sort(fresh.segments.begin(), fresh.segments.end(),
            [](const Segment& a, const Segment& b) { return a.begin < b.begin; });
  fresh.adds = counts[0];
  fresh.subs = counts[1];
  std::unique_lock<std::shared_mutex> lock(modules_mutex);
  modules() = std::move(fresh);
}

// The segment containing `address`, or null. Caller holds modules_mutex.
const Segment* segment_of(const Modules& m, std::uintptr_t address) {
  auto it = std::upper_bound(m.segments.begin(), m.segments.end(), address,
                             [](std::uintptr_t a, const Segment& s) { return a < s.begin; });
  if (it == m.segments.begin()) return nullptr;
  --it;
  return address < it->end ? &*it : nullptr;
}

// Does a call instruction end right before `address` (x86-64)? E8 rel32
// (5 bytes) or FF /2 (2 to 7 bytes: register, memory, RIP-relative forms).
bool after_call(std::uintptr_t address, const Segment& segment) {
  if (address < segment.begin + 7) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(address);
  if (p[-5] == 0xE8) return true;
  for (int length = 2; length <= 7; ++length) {
    const unsigned char opcode = p[-length];
    const unsigned char modrm = p[-length + 1];
    if (opcode == 0xFF && ((modrm >> 3) & 7) == 2) return true;
  }
  return false;
}

CallSite make_site(const Modules& m, const Segment& s, std::uintptr_t address, const char* method) {
  CallSite site;
  site.library = m.names[s.module];
  site.method = method;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(address - 1), &info) != 0) {
    site.offset = address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    if (info.dli_sname != nullptr) site.symbol = info.dli_sname;
  }
  return site;
}

struct UnwindState {
  std::uintptr_t found = 0;
  int frames = 0;
};

_Unwind_Reason_Code unwind_step(struct _Unwind_Context* context, void* data) {
  auto* state = static_cast<UnwindState*>(data);
  if (++state->frames > kMaxUnwindFrames) return _URC_END_OF_STACK;
  const std::uintptr_t ip = _Unwind_GetIP(context);
  if (ip == 0) return _URC_END_OF_STACK;
  const Modules& m = modules();
  const Segment* s = segment_of(m, ip - 1);
  if (s != nullptr && !m.plumbing[s->module]) {
    state->found = ip;
    return _URC_END_OF_STACK;
  }
  return _URC_NO_REASON;
}

// The top of this thread's stack (its highest address), or 0. Asked once
// per thread (for the main thread glibc reads /proc/self/maps).
std::uintptr_t stack_top() {
  thread_local std::uintptr_t cached = 0;
  if (cached != 0) return cached;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* base = nullptr;
  std::size_t size = 0;
  const int rc = pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  cached = rc == 0 ? reinterpret_cast<std::uintptr_t>(base) + size : 0;
  return cached;
}

__attribute__((noinline)) CallSite scan_stack(const Modules& m) {
  volatile std::uintptr_t marker = 0;
  auto word = reinterpret_cast<std::uintptr_t>(&marker) & ~std::uintptr_t{7};
  const std::uintptr_t top = stack_top();
  if (top == 0) return {};
  for (std::size_t n = 0; n < kMaxScanWords && word + sizeof(std::uintptr_t) <= top;
       ++n, word += sizeof(std::uintptr_t)) {
    const std::uintptr_t value = *reinterpret_cast<const std::uintptr_t*>(word);
    const Segment* s = segment_of(m, value - 1);
    if (s == nullptr || m.plumbing[s->module] || !after_call(value, *s)) continue;
    return make_site(m, *s, value, "scan");
  }
  return {};
}

}  // namespace

bool is_plumbing(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  static const char* const plumbing[] = {"libcuda.so", "libcupti", "libcudart.so", "libvram_only_attach",
                                         "libnvidia-", "libgcc_s", "libc.so", "libpthread", "ld-linux",
                                         "libstdc++", "libm.so", "libdl.so"};
  for (const char* p : plumbing) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

std::string CallSite::describe() const {
  if (!known()) return "unknown";
  const std::size_t slash = library.rfind('/');
  std::string text = slash == std::string::npos ? library : library.substr(slash + 1);
  char offset_text[32];
  std::snprintf(offset_text, sizeof offset_text, "+0x%llx", static_cast<unsigned long long>(offset));
  text += offset_text;
  if (!symbol.empty()) text += " (" + symbol + ")";
  return text;
}

CallSite find_call_site() {
  try {
    refresh_modules();
    std::shared_lock<std::shared_mutex> lock(modules_mutex);
    const Modules& m = modules();
    UnwindState state;
    _Unwind_Backtrace(unwind_step, &state);
    if (state.found != 0) {
      const Segment* s = segment_of(m, state.found - 1);
      if (s != nullptr) return make_site(m, *s, state.found, "unwind");
    }
    return scan_stack(m);
  } catch (...) {
    return {};
  }
}

CallSite call_site_at(const void* return_address) {
  const auto address = reinterpret_cast<std::uintptr_t>(return_address);
  if (address != 0) {
    try {
      refresh_modules();
      std::shared_lock<std::shared_mutex> lock(modules_mutex);
      const Modules& m = modules();
      const Segment* s = segment_of(m, address - 1);
      if (s != nullptr && !m.plumbing[s->module]) return make_site(m, *s, address, "return_address");
    } catch (...) {
      return {};
    }
  }
  return find_call_site();
}

}  // namespace vram_only::attach
