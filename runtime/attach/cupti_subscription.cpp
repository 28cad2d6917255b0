// The CUPTI backend (vram-only-run --backend=cupti). The CUDA driver loads
// the library named by CUDA_INJECTION64_PATH at cuInit and calls
// InitializeInjection(); here it starts the session (attach_session.hpp:
// settings, monitor, health server, policy) and subscribes to CUPTI's
// driver-API callbacks for the family's callback ids only
// (driver_entry_points.def, never a whole domain), each at API_ENTER and
// API_EXIT. When LD_PRELOAD made the interposer active, it does nothing.
//
// CUPTI is opened with dlopen, not linked: without it the library still
// loads, and the process is marked unhealthy with the reason (fail closed),
// or stopped with status 87 under --require. The same holds when another
// CUPTI client (a profiler) is subscribed, or the driver is too old.
//
// Everything created here lives until the process exits (never destroyed:
// callbacks can arrive on any thread until then). At exit, the report is
// written and the server stopped.
#include <cuda.h>
#include <cupti.h>
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>

#include "attach_session.hpp"
#include "call_site.hpp"
#include "driver_functions.hpp"
#include "interposer_state.hpp"

namespace vram_only::attach {
namespace {

// The CUPTI functions used, resolved from the loaded libcupti.
struct Cupti {
  void* library = nullptr;
  std::string path;
  CUptiResult (*subscribe)(CUpti_SubscriberHandle*, CUpti_CallbackFunc, void*) = nullptr;
  CUptiResult (*subscribe_v2)(CUpti_SubscriberHandle*, CUpti_CallbackFunc, void*, CUpti_SubscriberParams*) = nullptr;
  CUptiResult (*enable_callback)(uint32_t, CUpti_SubscriberHandle, CUpti_CallbackDomain, CUpti_CallbackId) = nullptr;
  CUptiResult (*get_result_string)(CUptiResult, const char**) = nullptr;
  CUptiResult (*get_version)(uint32_t*) = nullptr;
};

struct CuptiState {
  Cupti cupti;
  std::size_t enabled_callbacks = 0;
};

CuptiState& cupti_state() {
  static auto* const s = new CuptiState();  // never destroyed
  return *s;
}

thread_local bool t_in_callback = false;

std::string cupti_error(const Cupti& cupti, CUptiResult result) {
  const char* text = nullptr;
  if (cupti.get_result_string != nullptr && cupti.get_result_string(result, &text) == CUPTI_SUCCESS && text != nullptr) {
    return text;
  }
  return "CUPTI error " + std::to_string(static_cast<int>(result));
}

template <class F>
bool resolve(void* library, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(library, name));
  return out != nullptr;
}

// Opens libcupti: one already in the process (PyTorch loads its own for its
// profiler) first, then the configured path, the loader's search path and
// the toolkit's locations. Returns "" or why not.
std::string open_cupti(const std::string& configured, Cupti& cupti) {
  const char* soname = "libcupti.so.13";
  std::vector<std::string> candidates;
  if (!configured.empty()) candidates.push_back(configured);
  candidates.push_back(soname);
  if (const char* home = std::getenv("CUDA_HOME")) {
    candidates.push_back(std::string(home) + "/lib64/" + soname);
    candidates.push_back(std::string(home) + "/extras/CUPTI/lib64/" + soname);
  }
  candidates.push_back(std::string("/usr/local/cuda/lib64/") + soname);
  candidates.push_back(std::string("/usr/local/cuda/extras/CUPTI/lib64/") + soname);
  void* library = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
  std::string path = library != nullptr ? std::string(soname) + " (already loaded)" : "";
  std::string errors;
  for (std::size_t i = 0; library == nullptr && i < candidates.size(); ++i) {
    library = dlopen(candidates[i].c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library != nullptr) {
      path = candidates[i];
    } else if (i == 0 || !configured.empty()) {
      const char* e = dlerror();
      if (errors.empty() && e != nullptr) errors = e;
    }
  }
  if (library == nullptr) {
    return "CUPTI (libcupti.so.13) not found" + (errors.empty() ? std::string() : ": " + errors) +
           "; set VRAM_ONLY_CUPTI (--cupti) to its path";
  }
  cupti.library = library;
  cupti.path = path;
  resolve(library, "cuptiSubscribe_v2", cupti.subscribe_v2);
  resolve(library, "cuptiGetResultString", cupti.get_result_string);
  resolve(library, "cuptiGetVersion", cupti.get_version);
  if (!resolve(library, "cuptiSubscribe", cupti.subscribe) ||
      !resolve(library, "cuptiEnableCallback", cupti.enable_callback)) {
    return path + " lacks cuptiSubscribe / cuptiEnableCallback";
  }
  return "";
}

void CUPTIAPI on_callback(void*, CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const void* data) {
  if (domain != CUPTI_CB_DOMAIN_DRIVER_API || data == nullptr || t_in_callback) return;
  t_in_callback = true;
  const auto* cb = static_cast<const CUpti_CallbackData*>(data);
  CallbackRecord record;
  record.exit = cb->callbackSite == CUPTI_API_EXIT;
  record.cbid = cbid;
  record.params = cb->functionParams;
  record.result = record.exit && cb->functionReturnValue != nullptr
                      ? static_cast<int>(*static_cast<const CUresult*>(cb->functionReturnValue))
                      : 0;
  try {
    current_session()->enforcer->on_callback(record);
  } catch (...) {
    // Never let an exception cross into the driver.
  }
  t_in_callback = false;
}

// Subscribes and enables the callbacks; "" or why not.
std::string subscribe(AttachSession& session) {
  CuptiState& s = cupti_state();
  const AttachOptions& options = session.options;
  std::string why = open_cupti(options.cupti, s.cupti);
  if (!why.empty()) return why;
  CUpti_SubscriberHandle subscriber = nullptr;
  CUptiResult result;
  char previous[CUPTI_OLD_SUBSCRIBER_NAME_MIN_LEN + 1] = {0};
  if (s.cupti.subscribe_v2 != nullptr) {
    CUpti_SubscriberParams params{};
    params.structSize = CUpti_SubscriberParams_STRUCT_SIZE;
    params.subscriberName = "vram-only";
    params.oldSubscriberName = previous;
    params.oldSubscriberSize = sizeof previous - 1;
    result = s.cupti.subscribe_v2(&subscriber, on_callback, nullptr, &params);
  } else {
    result = s.cupti.subscribe(&subscriber, on_callback, nullptr);
  }
  if (result != CUPTI_SUCCESS) {
    std::string text = "cuptiSubscribe failed: " + cupti_error(s.cupti, result);
    if (result == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED) {
      text += " (another CUPTI client, e.g. a profiler, is subscribed";
      text += previous[0] != '\0' ? std::string(": ") + previous + ")" : std::string(")");
    }
    return text;
  }
  if (options.callbacks == Callbacks::None) {
    return "--callbacks=none: CUPTI is subscribed with no callback enabled (a diagnostic for "
           "measuring CUPTI's own cost); nothing is enforced";
  }
  // An id this driver does not know names an API the program cannot call
  // either: logged, not fatal. None enabled at all is fatal.
  std::string failed;
  std::size_t enabled = 0;
  for (const std::uint32_t id : CallbackDecoder::callback_ids()) {
    result = s.cupti.enable_callback(1, subscriber, CUPTI_CB_DOMAIN_DRIVER_API, id);
    if (result == CUPTI_SUCCESS) {
      ++enabled;
    } else {
      failed += (failed.empty() ? "" : ", ") + std::to_string(id) + " (" + cupti_error(s.cupti, result) + ")";
    }
  }
  if (enabled == 0) {
    return "cuptiEnableCallback failed for every callback id: " + failed;
  }
  if (!failed.empty()) {
    session.bridge->log(LogLevel::Warning, "driver callbacks not enabled: " + failed);
  }
  s.enabled_callbacks = enabled;
  return "";
}

int initialize() {
  if (interposer_active()) {
    // LD_PRELOAD put the interposer in front of the driver: it sees every
    // allocation already; a second subscriber would count each twice.
    std::fprintf(stderr, "[vram-only] CUDA_INJECTION64_PATH ignored: the interposer (LD_PRELOAD) is active\n");
    return 1;
  }
  std::string why;
  AttachSession& session = start_session("cupti", find_call_site, why);
  if (why.empty()) why = subscribe(session);
  if (!why.empty()) {
    fail_closed(session, why);
    return 1;
  }
  session.active = true;
  const CuptiState& s = cupti_state();
  uint32_t version = 0;
  if (s.cupti.get_version != nullptr) s.cupti.get_version(&version);
  log_enforcing(session, std::to_string(s.enabled_callbacks) + " driver callbacks, CUPTI " + std::to_string(version) +
                             " (" + s.cupti.path + ")");
  return 1;
}

}  // namespace
}  // namespace vram_only::attach

// Called by the CUDA driver at cuInit (CUDA_INJECTION64_PATH). Returns 1
// (the driver ignores the value); a second call does nothing.
extern "C" __attribute__((visibility("default"))) int InitializeInjection(void) {
  static std::once_flag once;
  int result = 1;
  std::call_once(once, [&] { result = vram_only::attach::initialize(); });
  return result;
}

// For vram-only-run --require, before the workload runs: can CUPTI be
// opened, and is the driver new enough? 0, or 1 with `message` set.
extern "C" __attribute__((visibility("default"))) int vram_only_attach_preflight(const char* cupti_path,
                                                                                 char* message,
                                                                                 std::size_t size) {
  using namespace vram_only::attach;
  std::string why;
  Cupti cupti;
  why = open_cupti(cupti_path != nullptr ? cupti_path : "", cupti);
  if (why.empty()) {
    const int version = open_driver_functions() ? driver_version() : -1;
    if (version < 0) {
      why = "the CUDA driver (libcuda.so.1) cannot be loaded";
    } else if (version < 13000) {
      why = "the CUDA driver is too old for CUPTI 13 (driver API version " + std::to_string(version) +
            ", needs 13000 or later)";
    }
  }
  if (message != nullptr && size > 0) {
    std::snprintf(message, size, "%s", why.c_str());
  }
  return why.empty() ? 0 : 1;
}
