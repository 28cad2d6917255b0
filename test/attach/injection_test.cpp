// libvram_only_attach.so fails closed: where the injection cannot start
// (here: no CUDA driver, so CUPTI cannot subscribe), the process is marked
// unhealthy with the reason, and --require stops it with status 87. Runs
// InitializeInjection in a child process, as the driver would. And a host
// program's own cpp-httplib does not capture the library's (llama.cpp's
// libllama-common.so exports cpp-httplib 0.58).
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "run_command.hpp"

namespace {

using vram_only::attach::testing::CommandResult;
using vram_only::attach::testing::read_text;
using vram_only::attach::testing::run_command;

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
  return nlohmann::json::parse(read_text(path), nullptr, false);
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

#ifdef VRAM_ONLY_CLASH_HOST_PATH

// Runs clash_host LIBRARY ENTRY LOG (symbol_clash/clash_host.cpp); the
// result's output is its stdout, `log` gets its stderr.
CommandResult run_clash_host(const std::string& library, const std::string& entry, std::string& log) {
  const std::string log_path = ::testing::TempDir() + "/vram_only_clash_host.log";
  CommandResult run = run_command(std::string(VRAM_ONLY_CLASH_HOST_PATH) + " " + library + " " + entry + " " + log_path);
  log = read_text(log_path);
  return run;
}

TEST(Injection, AHostProgramsOwnCppHttplibDoesNotCaptureTheLibrary) {
  std::string log;
  const auto run = run_clash_host(VRAM_ONLY_ATTACH_PATH, "InitializeInjection", log);
  ASSERT_EQ(run.status, 0) << run.output << log;
  ASSERT_EQ(run.output.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << run.output;
  const auto body = nlohmann::json::parse(run.output.substr(run.output.find("\r\n\r\n") + 4), nullptr, false);
  ASSERT_TRUE(body.is_object()) << run.output;
  EXPECT_EQ(body["status"], "unhealthy");
  ASSERT_EQ(body["violations"].size(), 1u);
  EXPECT_EQ(body["violations"][0]["kind"], "QueryFailed");
  EXPECT_EQ(body["violations"][0]["reason"],
            "VRAM_ONLY_ON_VIOLATION=bogus: --on-violation must be report or abort, not 'bogus'");
}

// Why it holds: the library asks the dynamic linker for no cpp-httplib
// symbol at all (its copy is compiled in, hidden).
TEST(Injection, TheLibraryImportsNoCppHttplibSymbol) {
  const CommandResult nm = run_command(std::string("nm -D --undefined-only ") + VRAM_ONLY_ATTACH_PATH);
  ASSERT_EQ(nm.status, 0) << "nm failed";
  const std::string& symbols = nm.output;
  ASSERT_NE(symbols.find("dlopen"), std::string::npos) << "nm listed no imports: " << symbols;
  EXPECT_EQ(symbols.find("httplib"), std::string::npos) << symbols;
}

#endif  // VRAM_ONLY_CLASH_HOST_PATH

}  // namespace
