// libvram_only_attach.so fails closed: where the injection cannot start
// (here: no CUDA driver, so CUPTI cannot subscribe), the process is marked
// unhealthy with the reason, and --require stops it with status 87. Runs
// InitializeInjection in a child process, as the driver would.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

bool driver_present() {
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h != nullptr) dlclose(h);
  return h != nullptr;
}

// Status of a child that loads the library, calls InitializeInjection and exits 0.
int run_injection(const std::string& report, bool require) {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("VRAM_ONLY_REPORT", report.c_str(), 1);
    if (require) setenv("VRAM_ONLY_REQUIRE", "1", 1);
    if (!freopen("/dev/null", "w", stderr)) _exit(99);
    void* library = dlopen(VRAM_ONLY_ATTACH_PATH, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) _exit(98);
    auto init = reinterpret_cast<int (*)()>(dlsym(library, "InitializeInjection"));
    if (init == nullptr) _exit(97);
    init();
    std::exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, false);
}

TEST(Injection, WithoutDriverTheProcessIsMarkedUnhealthyWithTheReason) {
  if (driver_present()) GTEST_SKIP() << "a CUDA driver is present here; this test needs a machine without one";
  const std::string report = ::testing::TempDir() + "/vram_only_injection_report.json";
  std::remove(report.c_str());
  ASSERT_EQ(run_injection(report, false), 0);
  const auto j = read_json(report);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["injection"]["active"], false);
  EXPECT_EQ(j["healthy"], false);
  const std::string error = j["injection"]["error"].get<std::string>();
  EXPECT_TRUE(error.rfind("cuptiSubscribe failed: ", 0) == 0 || error.rfind("CUPTI (libcupti.so.13) not found", 0) == 0)
      << error;
}

TEST(Injection, RequireStopsTheProcessWithStatus87) {
  if (driver_present()) GTEST_SKIP() << "a CUDA driver is present here; this test needs a machine without one";
  const std::string report = ::testing::TempDir() + "/vram_only_injection_require.json";
  std::remove(report.c_str());
  EXPECT_EQ(run_injection(report, true), 87);
  const auto j = read_json(report);
  ASSERT_TRUE(j.is_object()) << "the report is written before stopping";
  EXPECT_EQ(j["injection"]["active"], false);
}

}  // namespace
