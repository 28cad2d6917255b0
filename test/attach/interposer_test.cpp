// The interposer (libvram_only_attach.so in LD_PRELOAD) on a stub driver:
// programs that reach libcuda as the CUDA runtime does (dlopen + dlsym +
// cuGetProcAddress in both forms) or through the PLT; every family member
// seen with its API, kind, exact bytes and caller; every other entry point
// untouched; and the neighbours it meets in production: threads, fork +
// exec, a racing first resolution, a driver call from inside a wrapper,
// another LD_PRELOAD tool with its own dlsym, and code it cannot reach,
// which it must report rather than pass.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_command.hpp"

namespace {

using nlohmann::json;
using vram_only::attach::testing::kSanitizerEnvironment;
using vram_only::attach::testing::read_text;
using vram_only::attach::testing::run_command;

const char* const kBypassReason =
    "libcuda.so.1 was initialised by code that did not look the driver up through the interposer's dlsym or "
    "cuGetProcAddress (a library with its own private dlopen/dlsym of libcuda, RTLD_DEEPBIND, or a static "
    "executable): its allocations are not seen; run it with vram-only-run --backend=cupti";

struct ClientRun {
  int status = -1;
  std::string out;
  json report;  // null when no report was written
  std::string report_path;
};

std::string report_path_for(const std::string& name) {
  return ::testing::TempDir() + "/vram_only_interposer_" + name + "_" + std::to_string(getpid()) + ".json";
}

// Runs `program` with the environment the tests need; `preload` is the
// LD_PRELOAD list ("" for none), `env` more variables.
ClientRun run_program(const std::string& program, const std::string& name, const std::string& preload,
                      const std::map<std::string, std::string>& env = {}) {
  ClientRun r;
  r.report_path = report_path_for(name);
  std::remove(r.report_path.c_str());
  std::string command = std::string("env ") + kSanitizerEnvironment + "LD_LIBRARY_PATH=" VRAM_ONLY_STUB_DRIVER_DIR
                        " VRAM_ONLY_SWEEP_INTERVAL_MS=600000 VRAM_ONLY_REPORT=" + r.report_path;
  if (!preload.empty()) command += " LD_PRELOAD=" + preload;
  for (const auto& [variable, value] : env) command += " " + variable + "=" + value;
  command += " " + program + " 2>/dev/null";
  const auto result = run_command(command);
  r.status = result.status;
  r.out = result.output;
  const std::string text = read_text(r.report_path);
  if (!text.empty()) r.report = json::parse(text, nullptr, false);
  return r;
}

ClientRun run_client(const std::string& scenario, const std::string& preload = VRAM_ONLY_ATTACH_PATH,
                     const std::map<std::string, std::string>& env = {}) {
  return run_program(std::string(VRAM_ONLY_DRIVER_CLIENT_PATH) + " " + scenario, scenario, preload, env);
}

std::string explain(const ClientRun& r) { return "status " + std::to_string(r.status) + "\n" + r.out + "\n" + r.report.dump(2); }

// (api, kind, bytes) of every violation, in order.
std::vector<std::tuple<std::string, std::string, std::uint64_t>> violations(const json& report) {
  std::vector<std::tuple<std::string, std::string, std::uint64_t>> out;
  for (const json& v : report["violations"]) out.emplace_back(v["api"], v["kind"], v["bytes"]);
  return out;
}

// What driver_client's `family` scenario must leave in the report.
void expect_family_seen(const ClientRun& r) {
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["injection"]["backend"], "interpose");
  EXPECT_EQ(r.report["injection"]["active"], true) << explain(r);
  const json& device = r.report["device_memory"];
  EXPECT_EQ(device["by_api"]["cuMemAlloc_v2"], (json{{"allocations", 1}, {"bytes", 1 << 20}})) << explain(r);
  EXPECT_EQ(device["by_api"]["cuMemAllocAsync"], (json{{"allocations", 1}, {"bytes", 4096}})) << explain(r);
  EXPECT_EQ(device["by_api"]["cuMemAllocAsync_ptsz"], (json{{"allocations", 1}, {"bytes", 8192}})) << explain(r);
  EXPECT_EQ(device["allocations_total"], 3);
  EXPECT_EQ(device["frees_total"], 3);
  EXPECT_EQ(device["live_allocations"], 0);
  using V = std::tuple<std::string, std::string, std::uint64_t>;
  // cuMemAllocHost_v2 once: the stub's own call of cuMemHostAlloc inside it
  // passes through (re-entrancy); the device pointer of DEVICEMAP memory is
  // not reported again, that of registered memory is (mapped use).
  EXPECT_EQ(violations(r.report), (std::vector<V>{
                                      {"cuMemAllocManaged", "managed", 2 << 20},
                                      {"cuMemAllocFromPoolAsync", "managed", 16384},
                                      {"cuMemHostAlloc", "pinned", 65536},
                                      {"cuMemHostAlloc", "mapped", 131072},
                                      {"cuMemAllocHost_v2", "pinned", 32768},
                                      {"cuMemHostRegister_v2", "registered", 262144},
                                      {"cuMemHostGetDevicePointer_v2", "mapped", 262144},
                                  }))
      << explain(r);
  EXPECT_EQ(r.report["violations_total"], 7);
  for (const json& v : r.report["violations"]) {
    const json& site = v["call_site"];
    EXPECT_NE(site["library"].get<std::string>().find("vram_only_test_driver_client"), std::string::npos) << v.dump();
    EXPECT_EQ(site["symbol"], "run_family") << v.dump();
    EXPECT_EQ(site["method"], "return_address") << v.dump();
  }
  for (const char* kind : {"managed", "pinned", "mapped", "registered"}) {
    EXPECT_EQ(r.report["non_vram"][kind]["live_bytes"], 0) << kind << " not released\n" << explain(r);
  }
  EXPECT_EQ(r.report["non_vram"]["mapped"]["violations"], 2);
  EXPECT_EQ(r.report["non_vram"]["mapped"]["bytes"], 131072 + 262144);
  EXPECT_EQ(r.report["healthy"], false);
}

TEST(Interposer, EveryFamilyMemberIsSeenWithApiKindBytesAndCaller) { expect_family_seen(run_client("family")); }

TEST(Interposer, WithoutItNothingIsSeen) {
  const ClientRun r = run_client("family", "");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.report.is_null()) << "no library, no report";
}

TEST(Interposer, EntryPointsOutsideTheFamilyAreTheDriversOwnPointers) {
  const ClientRun r = run_client("untouched");
  ASSERT_EQ(r.status, 0) << explain(r);
  EXPECT_EQ(r.out, "cuLaunchKernel untouched 1\ncuCtxGetCurrent untouched 1\ncuMemAlloc untouched 0\n");
  const ClientRun plain = run_client("untouched", "");
  EXPECT_EQ(plain.out, "cuLaunchKernel untouched 1\ncuCtxGetCurrent untouched 1\ncuMemAlloc untouched 1\n");
}

TEST(Interposer, ProgramsCallingThroughThePltAreSeen) {
  const ClientRun r = run_program(VRAM_ONLY_PLT_CLIENT_PATH, "plt", VRAM_ONLY_ATTACH_PATH);
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["by_api"]["cuMemAlloc_v2"], (json{{"allocations", 1}, {"bytes", 3 << 20}}));
  EXPECT_EQ(r.report["device_memory"]["frees_total"], 1);
  ASSERT_EQ(r.report["violations"].size(), 1u) << explain(r);
  EXPECT_EQ(r.report["violations"][0]["api"], "cuMemHostAlloc");
  EXPECT_EQ(r.report["violations"][0]["bytes"], 4096);
  EXPECT_EQ(r.report["violations"][0]["call_site"]["symbol"], "run_plt_calls");
}

TEST(Interposer, ThreadsThatExistBeforeLibcudaIsLoaded) { expect_family_seen(run_client("threads")); }

TEST(Interposer, FirstResolutionRacedBySixteenThreads) {
  const ClientRun r = run_client("race");
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["allocations_total"], 16) << explain(r);
  EXPECT_EQ(r.report["device_memory"]["bytes_total"], 4096 * (16 * 17 / 2)) << explain(r);
  EXPECT_EQ(r.report["healthy"], true) << explain(r);
}

TEST(Interposer, ForkAndExecInheritIt) {
  const std::string pattern = report_path_for("fork_%p");
  const auto result = run_command(std::string("env ") + kSanitizerEnvironment +
                                  "LD_LIBRARY_PATH=" VRAM_ONLY_STUB_DRIVER_DIR
                                  " VRAM_ONLY_SWEEP_INTERVAL_MS=600000 LD_PRELOAD=" VRAM_ONLY_ATTACH_PATH
                                  " VRAM_ONLY_REPORT=" + pattern + " " VRAM_ONLY_DRIVER_CLIENT_PATH " fork 2>/dev/null");
  ASSERT_EQ(result.status, 0);
  int child = 0, status = -1;
  const std::size_t at = result.output.find("child ");
  ASSERT_NE(at, std::string::npos) << result.output;
  ASSERT_EQ(std::sscanf(result.output.c_str() + at, "child %d status %d", &child, &status), 2) << result.output;
  EXPECT_EQ(status, 0);
  ClientRun r;
  r.status = 0;
  r.out = result.output;
  std::string path = pattern;
  path.replace(path.find("%p"), 2, std::to_string(child));
  r.report = json::parse(read_text(path), nullptr, false);
  expect_family_seen(r);
}

TEST(Interposer, CodeItCannotReachIsReportedNeverPassed) {
  const ClientRun r = run_client("private");
  if (r.status != 0 && r.report.is_null()) {
    // The sanitizer runtimes refuse RTLD_DEEPBIND (the neighbour skipping
    // the library's dlsym covers a private lookup under them).
    const auto probe = run_command(std::string("env LD_LIBRARY_PATH=" VRAM_ONLY_STUB_DRIVER_DIR " ") +
                                   VRAM_ONLY_DRIVER_CLIENT_PATH + " private 2>&1");
    if (probe.output.find("incompatible with sanitizer runtime") != std::string::npos) {
      GTEST_SKIP() << "RTLD_DEEPBIND under a sanitizer: " << probe.output;
    }
  }
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["healthy"], false);
  EXPECT_EQ(r.report["injection"]["active"], false);
  EXPECT_EQ(r.report["injection"]["error"], kBypassReason);
  EXPECT_EQ(run_client("private", VRAM_ONLY_ATTACH_PATH, {{"VRAM_ONLY_REQUIRE", "1"}}).status, 87);
}

TEST(Interposer, ANeighboursDlsymRtldNextStillFindsTheNextDefinition) {
  // After vram-only: its getpid() asks dlsym(RTLD_NEXT) through vram-only's
  // dlsym; answered for vram-only instead, it would find itself and recurse.
  const ClientRun r = run_client("getpid", std::string(VRAM_ONLY_ATTACH_PATH) + ":" + VRAM_ONLY_NEIGHBOUR_TOOL_PATH);
  EXPECT_EQ(r.out.rfind("getpid 1\n", 0), 0u) << explain(r);
  expect_family_seen(r);
}

TEST(Interposer, ANeighbourChainingDlsymAheadOfItKeepsEveryAllocationSeen) {
  expect_family_seen(run_client("getpid", std::string(VRAM_ONLY_NEIGHBOUR_TOOL_PATH) + ":" + VRAM_ONLY_ATTACH_PATH,
                                {{"NEIGHBOUR_CHAIN", "rtld_next"}}));
}

// Never a silent pass: either the program's lookups still reached the
// library (the dynamic linker bound them to it: seen under the sanitizer
// builds) and every allocation is seen, or the bypass is reported.
TEST(Interposer, ANeighbourSkippingItsDlsymIsReported) {
  const ClientRun r = run_client("getpid", std::string(VRAM_ONLY_NEIGHBOUR_TOOL_PATH) + ":" + VRAM_ONLY_ATTACH_PATH,
                                 {{"NEIGHBOUR_CHAIN", "glibc"}});
  ASSERT_EQ(r.status, 0) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  if (r.report["injection"]["active"] == true) {
    expect_family_seen(r);
    return;
  }
  EXPECT_EQ(r.report["healthy"], false);
  EXPECT_EQ(r.report["injection"]["error"], kBypassReason);
}

TEST(Interposer, AbortStopsAtTheFirstViolationBeforeTheCall) {
  const ClientRun r = run_client("family", VRAM_ONLY_ATTACH_PATH, {{"VRAM_ONLY_ON_VIOLATION", "abort"}});
  EXPECT_EQ(r.status, 86) << explain(r);
  ASSERT_TRUE(r.report.is_object()) << explain(r);
  EXPECT_EQ(r.report["stopped_at_violation"], true);
  ASSERT_EQ(r.report["violations"].size(), 1u) << explain(r);
  EXPECT_EQ(r.report["violations"][0]["api"], "cuMemAllocManaged");
  EXPECT_EQ(r.report["violations"][0]["bytes"], 2 << 20);
  EXPECT_EQ(r.report["violations"][0]["pointer"], "0x0");
  EXPECT_EQ(r.out.find("family done"), std::string::npos);
}

TEST(Interposer, CuptiBackendVariableLeavesEveryPointerUntouched) {
  const ClientRun r = run_client("untouched", VRAM_ONLY_ATTACH_PATH, {{"VRAM_ONLY_BACKEND", "cupti"}});
  EXPECT_EQ(r.out, "cuLaunchKernel untouched 1\ncuCtxGetCurrent untouched 1\ncuMemAlloc untouched 1\n");
  EXPECT_TRUE(r.report.is_null());
}

}  // namespace
