// vram-only-run: puts an unmodified CUDA program under the VRAM-only policy.
// It checks its options (policy file, library, --require preflight), sets
// CUDA_INJECTION64_PATH to libvram_only_attach.so and the VRAM_ONLY_*
// variables, and execs the command: the exit status is the command's, except
// for the statuses listed in launcher_usage(). A program that never touches
// CUDA runs unaffected (the driver loads the library only at cuInit).
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
#include "launch_checks.hpp"
#include "launcher_options.hpp"
#include "policy_file.hpp"

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

  if (options.require) {
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

  const char* existing = std::getenv("CUDA_INJECTION64_PATH");
  if (existing != nullptr && *existing != '\0' && options.library != existing) {
    return fail(std::string("CUDA_INJECTION64_PATH is already set to ") + existing +
                " (another CUDA injection); unset it to run under vram-only-run");
  }
  for (const auto& [name, value] : options_to_environment(options)) {
    setenv(name.c_str(), value.c_str(), 1);
  }
  setenv("CUDA_INJECTION64_PATH", options.library.c_str(), 1);

  std::vector<char*> child;
  for (std::string& word : plan.command) child.push_back(word.data());
  child.push_back(nullptr);
  execvp(child[0], child.data());
  const int error = errno;
  std::fprintf(stderr, "vram-only-run: cannot run %s: %s\n", child[0], std::strerror(error));
  return error == ENOENT ? kExitNotFound : kExitCannotExecute;
}
