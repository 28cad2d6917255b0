// libvram_only_attach.so's entry point. The CUDA driver loads the library
// named by CUDA_INJECTION64_PATH at cuInit and calls InitializeInjection();
// here it reads its settings from the environment (attach_options.hpp),
// starts the runtime's monitor (and health server when asked), loads the
// policy, and subscribes to CUPTI's driver-API callbacks for the
// allocation-related callback ids only (CallbackDecoder::callback_ids(),
// never a whole domain), each at API_ENTER and API_EXIT.
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

#include "attach_options.hpp"
#include "attach_report.hpp"
#include "call_site.hpp"
#include "enforcer.hpp"
#include "policy_file.hpp"
#include "runtime_bridge.hpp"

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

// The driver functions the callback needs (libcuda is loaded: it called us).
struct Driver {
  CUresult (*ctx_get_device)(CUdevice*) = nullptr;
  CUresult (*pointer_get_attribute)(void*, CUpointer_attribute, CUdeviceptr) = nullptr;
  CUresult (*driver_get_version)(int*) = nullptr;
  CUresult (*ctx_get_device_v2)(CUdevice*, CUcontext) = nullptr;
  CUresult (*library_get_managed)(CUdeviceptr*, size_t*, CUlibrary, const char*) = nullptr;
  CUresult (*library_get_global)(CUdeviceptr*, size_t*, CUlibrary, const char*) = nullptr;
  CUresult (*module_get_global)(CUdeviceptr*, size_t*, CUmodule, const char*) = nullptr;
};

struct State {
  AttachOptions options;
  RuntimeBridge* bridge = nullptr;
  Enforcer* enforcer = nullptr;
  Cupti cupti;
  Driver driver;
  std::string program;
  std::string inactive_reason;
  std::atomic<bool> active{false};
  std::atomic<bool> report_written{false};
  std::atomic<bool> stopped{false};
  std::size_t enabled_callbacks = 0;
};

State& state() {
  static State* const s = new State();  // never destroyed
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

Driver open_driver() {
  Driver d;
  void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (library == nullptr) library = dlopen("libcuda.so.1", RTLD_NOW);
  if (library == nullptr) return d;
  resolve(library, "cuCtxGetDevice", d.ctx_get_device);
  resolve(library, "cuPointerGetAttribute", d.pointer_get_attribute);
  resolve(library, "cuDriverGetVersion", d.driver_get_version);
  resolve(library, "cuCtxGetDevice_v2", d.ctx_get_device_v2);
  resolve(library, "cuLibraryGetManaged", d.library_get_managed);
  resolve(library, "cuLibraryGetGlobal", d.library_get_global);
  resolve(library, "cuModuleGetGlobal_v2", d.module_get_global);
  return d;
}

int current_device() {
  CUdevice device = -1;
  const auto& d = state().driver;
  if (d.ctx_get_device == nullptr || d.ctx_get_device(&device) != CUDA_SUCCESS) return -1;
  return static_cast<int>(device);
}

int context_device(const void* context) {
  CUdevice device = -1;
  const auto& d = state().driver;
  if (d.ctx_get_device_v2 == nullptr ||
      d.ctx_get_device_v2(&device, static_cast<CUcontext>(const_cast<void*>(context))) != CUDA_SUCCESS) {
    return -1;
  }
  return static_cast<int>(device);
}

// Runs on the callback's thread with t_in_callback set, so the call it
// makes is not decoded again.
std::size_t variable_size(std::uint32_t cbid, const void* handle, const char* name) {
  const auto& d = state().driver;
  if (handle == nullptr || name == nullptr) return 0;
  CUdeviceptr pointer = 0;
  size_t bytes = 0;
  CUresult result = CUDA_ERROR_NOT_SUPPORTED;
  auto* h = const_cast<void*>(handle);
  if (cbid == CUPTI_DRIVER_TRACE_CBID_cuLibraryGetManaged && d.library_get_managed != nullptr) {
    result = d.library_get_managed(&pointer, &bytes, static_cast<CUlibrary>(h), name);
  } else if (cbid == CUPTI_DRIVER_TRACE_CBID_cuLibraryGetGlobal && d.library_get_global != nullptr) {
    result = d.library_get_global(&pointer, &bytes, static_cast<CUlibrary>(h), name);
  } else if (cbid == CUPTI_DRIVER_TRACE_CBID_cuModuleGetGlobal_v2 && d.module_get_global != nullptr) {
    result = d.module_get_global(&pointer, &bytes, static_cast<CUmodule>(h), name);
  }
  return result == CUDA_SUCCESS ? bytes : 0;
}

bool is_managed(std::uint64_t pointer) {
  unsigned int managed = 0;
  const auto& d = state().driver;
  return d.pointer_get_attribute != nullptr &&
         d.pointer_get_attribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED, static_cast<CUdeviceptr>(pointer)) ==
             CUDA_SUCCESS &&
         managed != 0;
}

std::string program_name() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string argv0;
  std::getline(in, argv0, '\0');
  return argv0;
}

void write_report() {
  State& s = state();
  if (s.options.report.empty() || s.enforcer == nullptr || s.report_written.exchange(true)) return;
  ReportContext c;
  c.pid = static_cast<long>(getpid());
  c.program = s.program;
  c.on_violation = s.options.on_violation;
  c.injection_active = s.active.load();
  c.injection_error = s.inactive_reason;
  c.healthy = s.bridge->healthy();
  c.live_bytes = s.bridge->live_bytes();
  c.live_allocations = s.bridge->live_allocations();
  c.peak_bytes = s.bridge->peak_bytes();
  c.stopped = s.stopped.load();
  const std::string path = expand_pid(s.options.report, c.pid);
  std::string error;
  if (write_file_atomically(path, render_report(s.enforcer->stats(), c), error)) {
    s.bridge->log(LogLevel::Info, "report written to " + path);
  } else {
    s.bridge->log(LogLevel::Error, error);
  }
}

void at_exit() {
  State& s = state();
  if (s.bridge == nullptr) return;
  s.bridge->stop();  // no sweep while CUDA tears down
  write_report();
}

void stop_process(void*, int status) {
  state().stopped = true;
  write_report();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status);
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
    state().enforcer->on_callback(record);
  } catch (...) {
    // Never let an exception cross into the driver.
  }
  t_in_callback = false;
}

// Subscribes and enables the callbacks; "" or why not.
std::string subscribe(State& s) {
  std::string why = open_cupti(s.options.cupti, s.cupti);
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
  if (s.options.callbacks == Callbacks::None) {
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
    s.bridge->log(LogLevel::Warning, "driver callbacks not enabled: " + failed);
  }
  s.enabled_callbacks = enabled;
  return "";
}

int initialize() {
  State& s = state();
  s.program = program_name();
  std::vector<std::string> errors;
  s.options = options_from_environment([](const char* name) { return std::getenv(name); }, errors);
  s.driver = open_driver();

  s.bridge = new RuntimeBridge(bridge_options_from(s.options));

  std::string why;
  for (const std::string& e : errors) why += (why.empty() ? "" : "; ") + e;
  Policy policy;
  if (why.empty() && !s.options.policy.empty()) {
    try {
      policy = load_policy_file(s.options.policy);
    } catch (const PolicyError& e) {
      why = e.what();
    }
  }
  Enforcer::Hooks hooks;
  hooks.current_device = current_device;
  hooks.is_managed = is_managed;
  hooks.context_device = context_device;
  hooks.variable_size = variable_size;
  hooks.find_call_site = find_call_site;
  hooks.stop = stop_process;
  s.enforcer = new Enforcer(*s.bridge, s.options.on_violation, std::move(policy), s.options.call_sites, hooks);
  std::atexit(at_exit);
  s.bridge->start_monitor();

  if (!s.options.health.empty()) {
    std::string host;
    int port = 0;
    parse_host_port(s.options.health, host, port);  // validated with the options
    std::string error;
    Enforcer* enforcer = s.enforcer;
    s.bridge->start_health_server(  // logs where it serves, stands by, or why it cannot
        host, port, [enforcer] { return render_metrics(enforcer->stats(), state().active.load()); }, error);
  }

  if (why.empty()) {
    why = subscribe(s);
  }
  if (!why.empty()) {
    s.inactive_reason = why;
    s.bridge->mark_unhealthy(why);
    if (s.options.require) {
      s.bridge->log(LogLevel::Critical, "--require: stopping the process, exit status " +
                                            std::to_string(kExitNotEnforced));
      stop_process(nullptr, kExitNotEnforced);
    }
    return 1;
  }
  s.active = true;
  uint32_t version = 0;
  if (s.cupti.get_version != nullptr) s.cupti.get_version(&version);
  s.bridge->log(LogLevel::Info,
                "enforcing VRAM-only in pid " + std::to_string(getpid()) + " (" + s.program +
                    "): on-violation=" + to_string(s.options.on_violation) +
                    ", policy=" + (s.options.policy.empty() ? std::string("none") : s.options.policy) + ", " +
                    std::to_string(s.enabled_callbacks) + " driver callbacks, CUPTI " +
                    std::to_string(version) + " (" + s.cupti.path + ")");
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
    const Driver driver = open_driver();
    int version = 0;
    if (driver.driver_get_version == nullptr) {
      why = "the CUDA driver (libcuda.so.1) cannot be loaded";
    } else if (driver.driver_get_version(&version) != CUDA_SUCCESS || version < 13000) {
      why = "the CUDA driver is too old for CUPTI 13 (driver API version " + std::to_string(version) +
            ", needs 13000 or later)";
    }
  }
  if (message != nullptr && size > 0) {
    std::snprintf(message, size, "%s", why.c_str());
  }
  return why.empty() ? 0 : 1;
}
