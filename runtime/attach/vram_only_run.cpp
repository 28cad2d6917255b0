// vram-only-run: puts an unmodified CUDA program under the VRAM-only policy.
// It checks its options (policy file, library, --require preflight), puts
// libvram_only_attach.so in front of the program (appended to LD_PRELOAD;
// or, with --backend=cupti, named by CUDA_INJECTION64_PATH), sets the
// VRAM_ONLY_* variables (VRAM_ONLY_GROUP: this run's own group unless one is
// given) and execs the command: the exit status is the command's, except for
// the statuses listed in launcher_usage(). A program that never touches CUDA
// runs unaffected.
#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "attach_options.hpp"
#include "group_member.hpp"
#include "launch_checks.hpp"
#include "launcher_options.hpp"
#include "policy_file.hpp"
#include "preload_reach.hpp"

namespace {

using namespace vram_only::attach;

int fail(const std::string& message) {
  std::fprintf(stderr, "vram-only-run: %s\n", message.c_str());
  return kExitLauncherError;
}

std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

// ../lib/libvram_only_attach.so next to this executable.
std::string default_library() {
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "libvram_only_attach.so";
  std::string dir(exe, static_cast<std::size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));
  return dir.substr(0, dir.rfind('/')) + "/lib/libvram_only_attach.so";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  LaunchPlan plan = parse_launcher_args(args, [](const char* name) { return std::getenv(name); });
  if (plan.help) {
    std::fputs(launcher_usage(), stdout);
    return 0;
  }
  if (plan.version) {
    std::printf("vram-only-run %s\n", VRAM_ONLY_VERSION);
    return 0;
  }
  if (!plan.error.empty()) {
    std::fprintf(stderr, "vram-only-run: %s (see vram-only-run --help)\n", plan.error.c_str());
    return kExitLauncherError;
  }
  AttachOptions& options = plan.options;

  options.library = absolute(options.library.empty() ? default_library() : options.library);
  if (access(options.library.c_str(), R_OK) != 0) {
    return fail("cannot read the injection library " + options.library + ": " + std::strerror(errno) +
                " (build it, or pass --library / VRAM_ONLY_ATTACH_LIBRARY)");
  }
  if (!options.policy.empty()) {
    options.policy = absolute(options.policy);
    try {
      load_policy_file(options.policy);
    } catch (const PolicyError& e) {
      return fail(std::string("bad policy file: ") + e.what());
    }
  }
  options.report = absolute(options.report);
  if (!options.cupti.empty()) options.cupti = absolute(options.cupti);
  const std::string problem = check_before_launch(options, environ, static_cast<long>(getpid()));
  if (!problem.empty()) {
    return fail(problem);
  }

  if (options.require && options.backend == Backend::Cupti) {
    void* library = dlopen(options.library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      return fail(std::string("--require: cannot load the injection library: ") + dlerror());
    }
    using Preflight = int (*)(const char*, char*, std::size_t);
    auto preflight = reinterpret_cast<Preflight>(dlsym(library, "vram_only_attach_preflight"));
    char message[1024] = {0};
    if (preflight == nullptr) {
      return fail("--require: " + options.library + " has no vram_only_attach_preflight");
    }
    if (preflight(options.cupti.c_str(), message, sizeof message) != 0) {
      return fail(std::string("--require: the injection cannot start: ") + message);
    }
  }

  const char* injection = std::getenv("CUDA_INJECTION64_PATH");
  const bool injected_already = injection != nullptr && *injection != '\0';
  if (options.backend == Backend::Cupti) {
    if (injected_already && options.library != injection) {
      return fail(std::string("CUDA_INJECTION64_PATH is already set to ") + injection +
                  " (another CUDA injection); unset it to run under vram-only-run");
    }
    setenv("CUDA_INJECTION64_PATH", options.library.c_str(), 1);
  } else {
    if (options.callbacks == Callbacks::None) {
      return fail("--callbacks=none measures CUPTI's own cost: it needs --backend=cupti");
    }
    const std::string why = why_preload_cannot_reach(find_executable(plan.command[0], std::getenv("PATH")));
    if (!why.empty()) {
      return fail(why + "; run it with --backend=cupti");
    }
    // Appended: a preloaded tool already there keeps its place in front.
    const char* preload = std::getenv("LD_PRELOAD");
    std::string list = preload != nullptr ? preload : "";
    if (list.find(options.library) == std::string::npos) {
      list += (list.empty() ? "" : ":") + options.library;
    }
    setenv("LD_PRELOAD", list.c_str(), 1);
    // Both would count every allocation twice (the library also ignores the
    // injection when it is preloaded); another CUPTI tool (a profiler) may stay.
    if (injected_already && options.library == injection) unsetenv("CUDA_INJECTION64_PATH");
  }
  if (options.group.empty()) {
    // This run's own group: every process it starts, and their descendants
    // (they inherit the variable), share one /health view. The start time
    // keeps a later run that gets the same pid out of it.
    const long pid = static_cast<long>(getpid());
    options.group = "run-" + std::to_string(pid) + "-" + std::to_string(process_start_time(pid).value_or(0));
  }
  for (const auto& [name, value] : options_to_environment(options)) {
    setenv(name.c_str(), value.c_str(), 1);
  }

  std::vector<char*> child;
  for (std::string& word : plan.command) child.push_back(word.data());
  child.push_back(nullptr);
  execvp(child[0], child.data());
  const int error = errno;
  std::fprintf(stderr, "vram-only-run: cannot run %s: %s\n", child[0], std::strerror(error));
  return error == ENOENT ? kExitNotFound : kExitCannotExecute;
}
