// GPU tests of vram-only-run (ctest label "gpu"): small CUDA programs, one
// per API family, built with static cudart, shared cudart and the driver
// API, run under vram-only-run with each backend (interpose, the default,
// and cupti); the JSON report and the exit status are the verdict, and both
// backends must give the same allocation report for every program. They
// skip with a message where there is no GPU.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../gpu_test_support.hpp"

namespace {

using nlohmann::json;

struct RunResult {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
  json report;      // null when no report was written
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string temp_dir() {
  char name[] = "/tmp/vram-only-attach-XXXXXX";
  const char* dir = mkdtemp(name);
  return dir != nullptr ? dir : "/tmp";
}

// The backend the current test runs under (the test's parameter).
std::string g_backend = "interpose";

// Runs `program` under vram-only-run --backend=<g_backend> with `options`;
// env: extra NAME=VALUE.
RunResult run_under(const std::vector<std::string>& options, const std::string& program,
              const std::vector<std::string>& env = {}, const std::string& dir_in = "") {
  const std::string dir = dir_in.empty() ? temp_dir() : dir_in;
  const std::string report = dir + "/report.json";
  std::vector<std::string> argv = {VRAM_ONLY_RUN, "--backend=" + g_backend, "--report", report};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.push_back(program);
  const pid_t pid = fork();
  if (pid == 0) {
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    const std::string out = dir + "/stdout", err = dir + "/stderr";
    if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(99);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(98);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  RunResult r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = read_file(dir + "/stdout");
  r.err = read_file(dir + "/stderr");
  const std::string text = read_file(report);
  if (!text.empty()) r.report = json::parse(text, nullptr, false);
  return r;
}

std::string explain(const RunResult& r) {
  return "exit " + std::to_string(r.status) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err +
         "--- report\n" + (r.report.is_null() ? std::string("(none)") : r.report.dump(2));
}

// Violations of the report with this API.
std::vector<json> violations_of(const RunResult& r, const std::string& api) {
  std::vector<json> out;
  for (const json& v : r.report["violations"]) {
    if (v["api"] == api) out.push_back(v);
  }
  return out;
}

void expect_device_clean(const RunResult& r, std::uint64_t allocations) {
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["injection"]["active"], true) << explain(r);
  EXPECT_EQ(r.report["violations_total"], 0) << explain(r);
  EXPECT_EQ(r.report["healthy"], true) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["allocations_total"], allocations) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["live_allocations"], 0) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["live_bytes"], 0) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["frees_total"], allocations) << explain(r);
}

std::uint64_t api_bytes(const RunResult& r, const std::string& api) {
  const json& a = r.report["device_memory"]["by_api"];
  return a.contains(api) ? a[api]["bytes"].get<std::uint64_t>() : 0;
}

// Every test runs under both backends.
class AttachGpu : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { g_backend = GetParam(); }
};

// Every device allocation of the runtime-API program: tracked with its size, released.
void check_device_program(const char* program) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({}, program);
  // cudaMalloc, cudaMallocPitch, cudaMallocAsync, cudaMallocFromPoolAsync,
  // cudaMallocArray; cudart may add allocations of its own, so at least 5.
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  const std::uint64_t total = r.report["device_memory"]["allocations_total"].get<std::uint64_t>();
  EXPECT_GE(total, 5u) << explain(r);
  expect_device_clean(r, total);
  EXPECT_EQ(api_bytes(r, "cuMemAlloc_v2") >= (1u << 20), true) << explain(r);
  EXPECT_EQ(api_bytes(r, "cuMemAllocAsync") + api_bytes(r, "cuMemAllocAsync_ptsz"), 2u << 20) << explain(r);
  EXPECT_EQ(api_bytes(r, "cuMemAllocFromPoolAsync") + api_bytes(r, "cuMemAllocFromPoolAsync_ptsz"), 3u << 20)
      << explain(r);
  EXPECT_EQ(api_bytes(r, "cuArrayCreate_v2") + api_bytes(r, "cuArray3DCreate_v2"), 262144u) << explain(r);
}

TEST_P(AttachGpu, DeviceMemoryStaticCudartIsTrackedAndReleased) { check_device_program(ATTACH_DEVICE_STATIC); }
TEST_P(AttachGpu, DeviceMemorySharedCudartIsTrackedAndReleased) { check_device_program(ATTACH_DEVICE_SHARED); }

void check_managed_program(const char* program) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({}, program);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["violations_total"], 1) << explain(r);
  const auto managed = violations_of(r, "cuMemAllocManaged");
  ASSERT_EQ(managed.size(), 1u) << explain(r);
  EXPECT_EQ(managed[0]["bytes"], 1 << 20);
  EXPECT_EQ(managed[0]["kind"], "managed");
  EXPECT_EQ(managed[0]["device"], 0);
  EXPECT_EQ(r.report["healthy"], false);
  EXPECT_NE(r.err.find("CRITICAL: VRAM residency violated"), std::string::npos) << explain(r);
  EXPECT_NE(r.err.find("cuMemAllocManaged"), std::string::npos) << explain(r);
  // The device allocation is tracked and released, not a violation.
  EXPECT_EQ(api_bytes(r, "cuMemAlloc_v2") >= 4096u, true) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["live_allocations"], 0) << explain(r);
}

TEST_P(AttachGpu, ManagedStaticCudartReportedOnce) { check_managed_program(ATTACH_MANAGED_STATIC); }
TEST_P(AttachGpu, ManagedSharedCudartReportedOnce) { check_managed_program(ATTACH_MANAGED_SHARED); }

TEST_P(AttachGpu, AbortModeStopsBeforeTheManagedMemoryIsUsed) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({"--on-violation=abort"}, ATTACH_MANAGED_STATIC);
  EXPECT_EQ(r.status, 86) << explain(r);
  EXPECT_NE(r.out.find("cudaMalloc 4096"), std::string::npos) << explain(r);
  EXPECT_EQ(r.out.find("used managed memory"), std::string::npos) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["stopped_at_violation"], true);
  ASSERT_EQ(violations_of(r, "cuMemAllocManaged").size(), 1u) << explain(r);
  EXPECT_EQ(violations_of(r, "cuMemAllocManaged")[0]["bytes"], 1 << 20);
  EXPECT_NE(r.err.find("stopping the process at cuMemAllocManaged"), std::string::npos) << explain(r);
}

// --callbacks=none: CUPTI subscribed with nothing enabled (the diagnostic
// behind the overhead measurements) enforces nothing and says so: the
// managed allocation goes unseen, the report and /health say why, and
// --require stops the process (87).
TEST(AttachGpuCupti, CallbacksNoneEnforcesNothingAndSaysSo) {
  VRAM_ONLY_REQUIRE_GPU();
  g_backend = "cupti";
  const std::string why =
      "--callbacks=none: CUPTI is subscribed with no callback enabled (a diagnostic for measuring CUPTI's own "
      "cost); nothing is enforced";
  const RunResult r = run_under({"--callbacks=none"}, ATTACH_MANAGED_STATIC);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["injection"]["active"], false) << explain(r);
  EXPECT_EQ(r.report["injection"]["error"], why) << explain(r);
  EXPECT_EQ(r.report["healthy"], false) << explain(r);
  EXPECT_EQ(violations_of(r, "cuMemAllocManaged").size(), 0u) << explain(r);
  EXPECT_NE(r.err.find("VRAM-only enforcement is not active: " + why), std::string::npos) << explain(r);
  const RunResult required = run_under({"--callbacks=none", "--require"}, ATTACH_MANAGED_STATIC);
  EXPECT_EQ(required.status, 87) << explain(required);
  EXPECT_EQ(required.out.find("used managed memory"), std::string::npos) << explain(required);
}

void check_host_program(const char* program) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({}, program);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["violations_total"], 3) << explain(r);
  const json& kinds = r.report["non_vram"];
  // cudaMallocHost is pinned; cudaHostAlloc(Mapped) is mapped (allocated
  // with CU_MEMHOSTALLOC_DEVICEMAP; its device pointer is not reported
  // again); cudaHostRegister is registered.
  EXPECT_EQ(kinds["pinned"]["violations"], 1) << explain(r);
  EXPECT_EQ(kinds["pinned"]["bytes"], 65536) << explain(r);
  EXPECT_EQ(kinds["mapped"]["violations"], 1) << explain(r);
  EXPECT_EQ(kinds["mapped"]["bytes"], 131072) << explain(r);
  EXPECT_EQ(kinds["registered"]["violations"], 1) << explain(r);
  EXPECT_EQ(kinds["registered"]["bytes"], 262144) << explain(r);
  bool mapped_flag = false;
  for (const json& v : r.report["violations"]) {
    if (v["bytes"] == 131072) {
      mapped_flag = v["kind"] == "mapped" && v["detail"].get<std::string>().find("DEVICEMAP") != std::string::npos;
    }
  }
  EXPECT_TRUE(mapped_flag) << explain(r);
  for (const char* kind : {"pinned", "mapped", "registered"}) {
    EXPECT_EQ(kinds[kind]["live_bytes"], 0) << kind << " not released\n" << explain(r);
  }
}

TEST_P(AttachGpu, HostMemoryStaticCudartReportedOnceEach) { check_host_program(ATTACH_HOST_STATIC); }
TEST_P(AttachGpu, HostMemorySharedCudartReportedOnceEach) { check_host_program(ATTACH_HOST_SHARED); }

TEST_P(AttachGpu, DriverApiDeviceTrackedAndForbiddenReported) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({}, ATTACH_DRIVER_API);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(api_bytes(r, "cuMemAlloc_v2"), 5u << 20) << explain(r);
  EXPECT_GT(api_bytes(r, "cuMemMap"), 0u) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["live_allocations"], 0) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["frees_total"], r.report["device_memory"]["allocations_total"])
      << explain(r);
  ASSERT_EQ(violations_of(r, "cuMemAllocManaged").size(), 1u) << explain(r);
  EXPECT_EQ(violations_of(r, "cuMemAllocManaged")[0]["bytes"], 524288);
  ASSERT_EQ(violations_of(r, "cuMemHostAlloc").size(), 1u) << explain(r);
  EXPECT_EQ(violations_of(r, "cuMemHostAlloc")[0]["bytes"], 98304);
  ASSERT_EQ(violations_of(r, "cuMemAllocHost_v2").size(), 1u) << explain(r);
  EXPECT_EQ(violations_of(r, "cuMemAllocHost_v2")[0]["bytes"], 32768);
  const bool host_numa = r.out.find("skipped host_numa") == std::string::npos;
  EXPECT_EQ(violations_of(r, "cuMemCreate").size(), host_numa ? 1u : 0u) << explain(r);
  EXPECT_EQ(r.report["violations_total"], host_numa ? 4 : 3) << explain(r);
}

TEST_P(AttachGpu, MigrationsToTheHostAreReported) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({}, ATTACH_MIGRATION);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["non_vram"]["managed"]["violations"], 1) << explain(r);
  EXPECT_EQ(r.report["non_vram"]["migration"]["violations"], 2) << explain(r);
  EXPECT_EQ(r.report["non_vram"]["migration"]["bytes"], 2 * (2 << 20)) << explain(r);
}

TEST_P(AttachGpu, ManagedVariableIsReported) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({}, ATTACH_MANAGED_VAR);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["non_vram"]["managed"]["violations"], 1) << explain(r);
  EXPECT_EQ(r.report["non_vram"]["managed"]["bytes"], 4096) << explain(r);
}

TEST_P(AttachGpu, PolicyAllowsPinnedUpToItsSize) {
  VRAM_ONLY_REQUIRE_GPU();
  const std::string dir = temp_dir();
  const std::string policy = dir + "/policy.json";
  std::ofstream(policy) << "{\"allow\": [{\"kind\": \"pinned\", \"max_bytes_total\": \"64 KiB\"}]}\n";
  const RunResult r = run_under({"--policy", policy}, ATTACH_HOST_STATIC, {}, dir);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["allowed_total"], 1) << explain(r);
  EXPECT_EQ(r.report["non_vram"]["pinned"]["allowed"], 1) << explain(r);
  EXPECT_EQ(r.report["policy_rules"][0]["peak_bytes"], 65536) << explain(r);
  EXPECT_EQ(r.report["violations_total"], 2) << explain(r);  // the mapped one and the registered one
}

// A raw HTTP GET; returns the status code, or -1.
int http_status(int port, const std::string& path, std::string* body = nullptr) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) < 0) {
    close(fd);
    return -1;
  }
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) response.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  if (body != nullptr) {
    const std::size_t split = response.find("\r\n\r\n");
    *body = split == std::string::npos ? "" : response.substr(split + 4);
  }
  return response.size() > 12 ? std::atoi(response.c_str() + 9) : -1;
}

TEST_P(AttachGpu, HealthAnswers503AfterAManagedAllocation) {
  VRAM_ONLY_REQUIRE_GPU();
  const std::string dir = temp_dir();
  RunResult r;
  std::thread runner([&] {
    r = run_under({"--health", "127.0.0.1:0"}, ATTACH_MANAGED_STATIC, {"ATTACH_TEST_HOLD=" + dir}, dir);
  });
  struct stat st;
  for (int i = 0; i < 3000 && stat((dir + "/allocated").c_str(), &st) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string err = read_file(dir + "/stderr");
  const std::size_t at = err.find("on http://127.0.0.1:");
  int port = at == std::string::npos ? 0 : std::atoi(err.c_str() + at + 20);
  std::string health, metrics;
  const int health_status = port > 0 ? http_status(port, "/health", &health) : -1;
  const int metrics_status = port > 0 ? http_status(port, "/metrics", &metrics) : -1;
  std::ofstream(dir + "/release") << "\n";
  runner.join();
  if (err.find("built without the health server") != std::string::npos) {
    GTEST_SKIP() << "libvram_only_attach.so was built without cpp-httplib: " << err;
  }
  ASSERT_GT(port, 0) << err;
  EXPECT_EQ(health_status, 503) << health;
  EXPECT_NE(health.find("cuMemAllocManaged"), std::string::npos) << health;
  EXPECT_EQ(metrics_status, 200);
  EXPECT_NE(metrics.find("vram_only_violations_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_attach_non_vram_events_total{kind=\"managed\",decision=\"violation\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(r.status, 0) << explain(r);
}

TEST_P(AttachGpu, ProcessWithoutCudaIsUnaffected) {
  VRAM_ONLY_REQUIRE_GPU();
  const RunResult r = run_under({"--require"}, "/bin/echo");
  EXPECT_EQ(r.status, 0) << explain(r);
  EXPECT_EQ(r.out, "\n") << explain(r);
  EXPECT_EQ(r.err, "") << explain(r);
  EXPECT_TRUE(r.report.is_null()) << "no CUDA, no injection, no report\n" << explain(r);
}

// The interposer names the caller from its return address: the program
// itself for static cudart, never CUDA's plumbing.
TEST(AttachGpuInterpose, ViolationsNameTheCallingProgram) {
  VRAM_ONLY_REQUIRE_GPU();
  g_backend = "interpose";
  const RunResult r = run_under({}, ATTACH_MANAGED_STATIC);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  ASSERT_EQ(violations_of(r, "cuMemAllocManaged").size(), 1u) << explain(r);
  // A copy: violations_of returns its list by value, so a reference into it
  // would dangle once this statement ends.
  const json site = violations_of(r, "cuMemAllocManaged")[0]["call_site"];
  EXPECT_NE(site["library"].get<std::string>().find("attach_managed_static"), std::string::npos) << explain(r);
  EXPECT_EQ(r.report["injection"]["backend"], "interpose");
}

// What both backends must agree on: device allocations by API, and every
// non-VRAM event (API, kind, bytes) and the totals per kind.
json allocation_summary(const json& report) {
  json s;
  s["by_api"] = report["device_memory"]["by_api"];
  s["allocations_total"] = report["device_memory"]["allocations_total"];
  s["frees_total"] = report["device_memory"]["frees_total"];
  std::vector<std::string> events;
  for (const char* list : {"violations", "allowed"}) {
    for (const json& v : report[list]) {
      events.push_back(v["api"].get<std::string>() + " " + v["kind"].get<std::string>() + " " +
                       std::to_string(v["bytes"].get<std::uint64_t>()));
    }
  }
  std::sort(events.begin(), events.end());
  s["events"] = events;
  for (auto& [kind, totals] : report["non_vram"].items()) {
    s["non_vram"][kind] = {{"violations", totals["violations"]}, {"allowed", totals["allowed"]}, {"bytes", totals["bytes"]}};
  }
  s["healthy"] = report["healthy"];
  return s;
}

TEST(AttachGpuBackends, BothBackendsReportTheSameAllocations) {
  VRAM_ONLY_REQUIRE_GPU();
  for (const char* program : {ATTACH_DEVICE_STATIC, ATTACH_DEVICE_SHARED, ATTACH_MANAGED_STATIC, ATTACH_MANAGED_SHARED,
                              ATTACH_HOST_STATIC, ATTACH_HOST_SHARED, ATTACH_MIGRATION, ATTACH_MANAGED_VAR,
                              ATTACH_DRIVER_API}) {
    g_backend = "interpose";
    const RunResult interposed = run_under({}, program);
    g_backend = "cupti";
    const RunResult cupti = run_under({}, program);
    ASSERT_TRUE(interposed.report.is_object()) << program << "\n" << explain(interposed);
    ASSERT_TRUE(cupti.report.is_object()) << program << "\n" << explain(cupti);
    EXPECT_EQ(interposed.report["injection"]["backend"], "interpose");
    EXPECT_EQ(cupti.report["injection"]["backend"], "cupti");
    EXPECT_EQ(allocation_summary(interposed.report).dump(2), allocation_summary(cupti.report).dump(2)) << program;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AttachGpu, ::testing::Values("interpose", "cupti"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
