#include "interposer_watch.hpp"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <time.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "attach_session.hpp"
#include "call_site.hpp"
#include "interposer_state.hpp"

namespace vram_only::attach {

const char* const kBypassReason =
    "libcuda.so.1 was initialised by code that did not look the driver up through the interposer's dlsym or "
    "cuGetProcAddress (a library with its own private dlopen/dlsym of libcuda, RTLD_DEEPBIND, or a static "
    "executable): its allocations are not seen; run it with vram-only-run --backend=cupti";

namespace {

constexpr int kCudaErrorNotInitialized = 3;
constexpr int kCudaErrorDeinitialized = 4;
constexpr long kPeriodNs = 500L * 1000 * 1000;

std::atomic<bool> g_reported{false};

// Held while a verdict is being given, so that exit waits for the watch's
// (which may end the process with 87 under --require). Never destroyed.
std::mutex& verdict_mutex() {
  static std::mutex& m = *new std::mutex();
  return m;
}

// libcuda.so.1 is mapped in the process. Asked through dl_iterate_phdr,
// which loads nothing (a sanitizer's dlopen interceptor may not keep
// RTLD_NOLOAD's promise).
bool libcuda_loaded() {
  return dl_iterate_phdr(
             [](dl_phdr_info* info, size_t, void*) {
               const char* name = info->dlpi_name != nullptr ? std::strrchr(info->dlpi_name, '/') : nullptr;
               name = name != nullptr ? name + 1 : info->dlpi_name;
               return name != nullptr && std::strncmp(name, "libcuda.so", 10) == 0 ? 1 : 0;
             },
             nullptr) != 0;
}

// cuInit has run in this process (cuCtxGetCurrent answers something else
// than "not initialised"). False while libcuda is not loaded.
bool driver_initialised() {
  const DlsymFunction lookup = real_dlsym();
  if (!libcuda_loaded()) return false;
  void* library = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
  if (library == nullptr || lookup == nullptr) return false;
  using GetCurrent = int (*)(void**);
  const auto get_current = reinterpret_cast<GetCurrent>(lookup(library, "cuCtxGetCurrent"));
  void* context = nullptr;
  const int result = get_current != nullptr ? get_current(&context) : kCudaErrorNotInitialized;
  dlclose(library);
  return result != kCudaErrorNotInitialized && result != kCudaErrorDeinitialized;
}

void* watch(void*) {
  const timespec period{0, kPeriodNs};
  while (!check_driver_bypass()) nanosleep(&period, nullptr);
  return nullptr;
}

void start_watch() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t thread;
  pthread_create(&thread, &attr, watch, nullptr);
  pthread_attr_destroy(&attr);
}

// At exit the runtime's thread-local state is already gone (glibc runs
// thread_local destructors before atexit handlers): the verdict goes to the
// report and stderr only, and --require ends the process with 87 here.
void check_at_exit() {
  std::lock_guard<std::mutex> lock(verdict_mutex());
  if (handed_out() || g_reported.load() || !driver_initialised() || handed_out() || g_reported.exchange(true)) return;
  std::string why;
  AttachSession& session = start_session("interpose", find_call_site, why);
  session.inactive_reason = why.empty() ? kBypassReason : why + "; " + kBypassReason;
  session.active = false;
  session.unhealthy_at_exit = true;
  std::fprintf(stderr, "[vram-only] CRITICAL: VRAM-only enforcement is not active: %s\n", kBypassReason);
  write_report(session);
  if (session.options.require) {
    std::fflush(stdout);
    _exit(kExitNotEnforced);
  }
}

__attribute__((constructor)) void start_watching() {
  if (!interposer_active()) return;
  // Loaded before this constructor: the program (or a library it links)
  // is linked against libcuda, and its calls of the family through the PLT
  // reach the interposer's exports.
  if (libcuda_loaded()) {
    note_handed_out();
    return;
  }
  std::atexit(check_at_exit);
  set_exit_check(check_at_exit);
  pthread_atfork(nullptr, nullptr, start_watch);
  start_watch();
}

}  // namespace

bool check_driver_bypass() {
  if (handed_out() || g_reported.load()) return true;
  if (!driver_initialised() || handed_out()) return handed_out();
  std::lock_guard<std::mutex> lock(verdict_mutex());
  if (g_reported.exchange(true)) return true;
  std::string why;
  AttachSession& session = start_session("interpose", find_call_site, why);
  fail_closed(session, why.empty() ? kBypassReason : why + "; " + kBypassReason);
  write_report(session);
  return true;
}

}  // namespace vram_only::attach
