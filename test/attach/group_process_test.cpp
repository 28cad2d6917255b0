// The process group through the real library and launcher: vram-only-run
// starts a shell that starts two group_host processes (each loads
// libvram_only_attach.so and calls InitializeInjection, as the driver does;
// without a driver their enforcement cannot start). The group's one port
// names both; killed with SIGKILL, the serving process's port is taken over
// by the other.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "http_get.hpp"

namespace vram_only::attach {
namespace {

using namespace std::chrono_literals;

bool driver_present() {
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h != nullptr) dlclose(h);
  return h != nullptr;
}

int free_port() {
  // Port 0 would give each process its own port: the group needs one fixed.
  for (int port = 20000 + static_cast<int>(getpid() % 20000);; ++port) {
    if (http_get(port, "/health").empty()) return port;
  }
}

// /health's body once `ready` holds for it (up to 10 s); null otherwise.
template <class Ready>
nlohmann::json wait_for_health(int port, Ready ready) {
  for (int i = 0; i < 200; ++i) {
    const std::string answer = http_get(port, "/health");
    if (answer.size() > 4) {
      auto body = nlohmann::json::parse(answer.substr(4), nullptr, false);
      if (body.is_object() && ready(answer.substr(0, 3), body)) return body;
    }
    std::this_thread::sleep_for(50ms);
  }
  return nullptr;
}

TEST(GroupProcesses, TwoInjectedProcessesShareOnePortAndTheSurvivorTakesItOver) {
  if (driver_present()) GTEST_SKIP() << "a CUDA driver is present here: the hosts would be enforced, not failing";
  const int port = free_port();
  const std::string group = "test-" + std::to_string(getpid());
  const pid_t launcher = fork();
  if (launcher == 0) {
    unsetenv("CUDA_INJECTION64_PATH");
    if (!freopen("/dev/null", "w", stderr)) _exit(99);
    const std::string health = "127.0.0.1:" + std::to_string(port);
    const std::string script = std::string(VRAM_ONLY_GROUP_HOST_PATH) + " 30 & " + VRAM_ONLY_GROUP_HOST_PATH +
                               " 30 & wait";
    // --backend=cupti: the hosts load the library as the driver loads the
    // injection (preloaded, the library would leave InitializeInjection to
    // the interposer, which starts at the first driver entry point: none here).
    unsetenv("LD_PRELOAD");
    execl(VRAM_ONLY_RUN_PATH, VRAM_ONLY_RUN_PATH, "--backend=cupti", "--health", health.c_str(), "--group",
          group.c_str(), "--",
          "/bin/sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const nlohmann::json both = wait_for_health(port, [](const std::string& status, const nlohmann::json& body) {
    return status == "503" && body["members"].size() == 2 && body["violations"].size() == 2;
  });
  ASSERT_TRUE(both.is_object()) << http_get(port, "/health");
  EXPECT_EQ(both["group"], group);
  long serving = 0;
  long standby = 0;
  for (const auto& m : both["members"]) {
    EXPECT_EQ(m["process"], "live");
    EXPECT_EQ(m["enforcement_active"], false);
    EXPECT_EQ(m["command"], std::string(VRAM_ONLY_GROUP_HOST_PATH) + " 30");
    (m["serving"].get<bool>() ? serving : standby) = m["pid"].get<long>();
  }
  ASSERT_NE(serving, 0) << both.dump();
  ASSERT_NE(standby, 0) << both.dump();
  for (const auto& v : both["violations"]) {
    EXPECT_EQ(v["kind"], "QueryFailed");
    EXPECT_TRUE(v["pid"] == serving || v["pid"] == standby) << v.dump();
  }

  kill(static_cast<pid_t>(serving), SIGKILL);
  const nlohmann::json after = wait_for_health(port, [serving](const std::string&, const nlohmann::json& body) {
    for (const auto& m : body["members"]) {
      if (m["pid"] == serving && m["process"] == "gone") return true;
    }
    return false;
  });
  ASSERT_TRUE(after.is_object()) << "nobody took the port over: " << http_get(port, "/health");
  for (const auto& m : after["members"]) {
    if (m["pid"] == standby) {
      EXPECT_EQ(m["serving"], true) << after.dump();
      EXPECT_EQ(m["process"], "live");
    }
  }
  const std::string metrics = http_get(port, "/metrics");
  EXPECT_NE(metrics.find("vram_only_group_members{state=\"gone\"} 1\n"), std::string::npos) << metrics;
  kill(static_cast<pid_t>(standby), SIGTERM);
  kill(launcher, SIGTERM);
  int status = 0;
  waitpid(launcher, &status, 0);
}

}  // namespace
}  // namespace vram_only::attach
