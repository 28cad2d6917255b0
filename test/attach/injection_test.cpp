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

#include <cstdio>
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

#ifdef VRAM_ONLY_CLASH_HOST_PATH

struct HostRun {
  int status = -1;  // exit status, or -1 if killed
  std::string out;
  std::string log;
};

// Runs clash_host LIBRARY ENTRY (symbol_clash/clash_host.cpp).
HostRun run_clash_host(const std::string& library, const std::string& entry) {
  const std::string log = ::testing::TempDir() + "/vram_only_clash_host.log";
  const std::string command =
      std::string(VRAM_ONLY_CLASH_HOST_PATH) + " " + library + " " + entry + " " + log;
  HostRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  run.log = text.str();
  return run;
}

TEST(Injection, AHostProgramsOwnCppHttplibDoesNotCaptureTheLibrary) {
  const HostRun run = run_clash_host(VRAM_ONLY_ATTACH_PATH, "InitializeInjection");
  ASSERT_EQ(run.status, 0) << run.out << run.log;
  ASSERT_EQ(run.out.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << run.out;
  const auto body = nlohmann::json::parse(run.out.substr(run.out.find("\r\n\r\n") + 4), nullptr, false);
  ASSERT_TRUE(body.is_object()) << run.out;
  EXPECT_EQ(body["status"], "unhealthy");
  ASSERT_EQ(body["violations"].size(), 1u);
  EXPECT_EQ(body["violations"][0]["kind"], "QueryFailed");
  EXPECT_EQ(body["violations"][0]["reason"],
            "VRAM_ONLY_ON_VIOLATION=bogus: --on-violation must be report or abort, not 'bogus'");
}

// Why it holds: the library asks the dynamic linker for no cpp-httplib
// symbol at all (its copy is compiled in, hidden).
TEST(Injection, TheLibraryImportsNoCppHttplibSymbol) {
  FILE* pipe = popen((std::string("nm -D --undefined-only ") + VRAM_ONLY_ATTACH_PATH).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string symbols;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) symbols.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << "nm failed";
  ASSERT_NE(symbols.find("dlopen"), std::string::npos) << "nm listed no imports: " << symbols;
  EXPECT_EQ(symbols.find("httplib"), std::string::npos) << symbols;
}

#endif  // VRAM_ONLY_CLASH_HOST_PATH

}  // namespace
