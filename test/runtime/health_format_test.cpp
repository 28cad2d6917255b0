// The exact /health JSON and /metrics text.
#include <gtest/gtest.h>

#include <string>

#include <vram_only/health_format.hpp>

#include "test_support.hpp"

namespace vram_only {
namespace {

HealthStatus healthy_status() {
  HealthStatus s;
  s.healthy = true;
  s.checked = true;
  s.resident = true;
  s.vram_bytes_used = 123456789;
  s.last_check_secs = 1767225600;
  s.last_sweep_seconds = 0.000125;
  s.checks = 42;
  s.live_allocations = 7;
  s.peak_bytes = 200000000;
  s.bytes_by_purpose = {100000000, 20000000, 3000000, 456789, 0};
  return s;
}

Violation managed_kv() {
  Violation v;
  v.kind = ViolationKind::NotResident;
  v.pointer = testing::ptr(0x7f2a00000000);
  v.bytes = 4194304;
  v.purpose = VramPurpose::KvCache;
  v.label = "kv.layer0";
  v.device = 0;
  v.memory_type = MemoryType::Managed;
  v.reason = "managed (unified) memory: its pages can migrate to host memory";
  v.allocation_id = 99;
  return v;
}

TEST(HealthJson, Healthy) {
  EXPECT_EQ(health_json(healthy_status()),
            R"({"status":"healthy","resident":true,"vram_bytes_used":123456789,)"
            R"("last_check_secs":1767225600,"violations":[]})");
}

TEST(HealthJson, UnhealthyListsTheViolations) {
  HealthStatus s = healthy_status();
  s.healthy = false;
  s.resident = false;
  s.violations.push_back(managed_kv());
  EXPECT_EQ(health_json(s),
            R"({"status":"unhealthy","resident":false,"vram_bytes_used":123456789,)"
            R"("last_check_secs":1767225600,"violations":[{"pointer":"0x7f2a00000000",)"
            R"("bytes":4194304,"purpose":"KvCache","label":"kv.layer0","memory_type":"Managed",)"
            R"("device":0,"kind":"NotResident",)"
            R"("reason":"managed (unified) memory: its pages can migrate to host memory"}]})");
}

Violation wrong_device_weights() {
  Violation v;
  v.kind = ViolationKind::WrongDevice;
  v.pointer = testing::ptr(0x7f3000000000);
  v.bytes = 1048576;
  v.purpose = VramPurpose::ModelWeights;
  v.label = "blk.0";
  v.device = 0;
  v.reported_device = 1;
  v.memory_type = MemoryType::Device;
  v.reason = "device memory of device 1, recorded for device 0";
  return v;
}

TEST(HealthJson, WrongDeviceNamesBothDevices) {
  HealthStatus s = healthy_status();
  s.healthy = false;
  s.violations.push_back(wrong_device_weights());
  EXPECT_EQ(health_json(s),
            R"({"status":"unhealthy","resident":true,"vram_bytes_used":123456789,)"
            R"("last_check_secs":1767225600,"violations":[{"pointer":"0x7f3000000000",)"
            R"("bytes":1048576,"purpose":"ModelWeights","label":"blk.0","memory_type":"Device",)"
            R"("device":0,"reported_device":1,"kind":"WrongDevice",)"
            R"("reason":"device memory of device 1, recorded for device 0"}]})");
}

TEST(HealthJson, BeforeTheFirstCheck) {
  EXPECT_EQ(health_json(HealthStatus{}),
            R"({"status":"unhealthy","resident":false,"vram_bytes_used":0,)"
            R"("last_check_secs":0,"violations":[]})");
}

TEST(HealthJson, LabelsAreEscapedAndInvalidUtf8IsReplaced) {
  HealthStatus s = healthy_status();
  Violation v = managed_kv();
  v.label = std::string("q\"\\\n\x01") + "\xff" + "\xc3\xa9";
  s.violations.push_back(v);
  const std::string json = health_json(s);
  EXPECT_NE(json.find(R"("label":"q\"\\\n\u0001)" "\xef\xbf\xbd" "\xc3\xa9" R"(")"),
            std::string::npos)
      << json;
}

TEST(PrometheusMetrics, ExactText) {
  HealthStatus s = healthy_status();
  s.violations_total = 3;
  s.misuse.double_records = 2;
  s.misuse.unknown_deallocations = 1;
  s.misuse.invalid_devices = 4;
  s.violations = {managed_kv(), wrong_device_weights(), managed_kv()};
  EXPECT_EQ(prometheus_metrics(s),
            "# HELP vram_only_healthy 1 when residency was verified and no violation occurred since the last reset.\n"
            "# TYPE vram_only_healthy gauge\n"
            "vram_only_healthy 1\n"
            "# HELP vram_only_resident 1 when the last check found every tracked allocation in device memory.\n"
            "# TYPE vram_only_resident gauge\n"
            "vram_only_resident 1\n"
            "# HELP vram_only_tracked_bytes Bytes of tracked device allocations, by purpose.\n"
            "# TYPE vram_only_tracked_bytes gauge\n"
            "vram_only_tracked_bytes{purpose=\"ModelWeights\"} 100000000\n"
            "vram_only_tracked_bytes{purpose=\"KvCache\"} 20000000\n"
            "vram_only_tracked_bytes{purpose=\"Activations\"} 3000000\n"
            "vram_only_tracked_bytes{purpose=\"Workspace\"} 456789\n"
            "vram_only_tracked_bytes{purpose=\"Other\"} 0\n"
            "# HELP vram_only_tracked_allocations Live tracked device allocations.\n"
            "# TYPE vram_only_tracked_allocations gauge\n"
            "vram_only_tracked_allocations 7\n"
            "# HELP vram_only_tracked_peak_bytes Peak of tracked bytes.\n"
            "# TYPE vram_only_tracked_peak_bytes gauge\n"
            "vram_only_tracked_peak_bytes 200000000\n"
            "# HELP vram_only_violations_total Distinct VRAM residency violations reported.\n"
            "# TYPE vram_only_violations_total counter\n"
            "vram_only_violations_total 3\n"
            "# HELP vram_only_listed_violations Violations listed in /health now (since the last reset), by kind.\n"
            "# TYPE vram_only_listed_violations gauge\n"
            "vram_only_listed_violations{kind=\"NotResident\"} 2\n"
            "vram_only_listed_violations{kind=\"QueryFailed\"} 0\n"
            "vram_only_listed_violations{kind=\"OutOfBounds\"} 0\n"
            "vram_only_listed_violations{kind=\"WrongDevice\"} 1\n"
            "# HELP vram_only_checks_total Completed residency checks.\n"
            "# TYPE vram_only_checks_total counter\n"
            "vram_only_checks_total 42\n"
            "# HELP vram_only_last_check_timestamp_seconds Unix time of the last completed residency check (0: none yet).\n"
            "# TYPE vram_only_last_check_timestamp_seconds gauge\n"
            "vram_only_last_check_timestamp_seconds 1767225600\n"
            "# HELP vram_only_sweep_duration_seconds Duration of the last residency check.\n"
            "# TYPE vram_only_sweep_duration_seconds gauge\n"
            "vram_only_sweep_duration_seconds 0.000125\n"
            "# HELP vram_only_tracker_misuse_total Tracker misuse, by kind.\n"
            "# TYPE vram_only_tracker_misuse_total counter\n"
            "vram_only_tracker_misuse_total{kind=\"null_record\"} 0\n"
            "vram_only_tracker_misuse_total{kind=\"zero_byte_record\"} 0\n"
            "vram_only_tracker_misuse_total{kind=\"invalid_range\"} 0\n"
            "vram_only_tracker_misuse_total{kind=\"double_record\"} 2\n"
            "vram_only_tracker_misuse_total{kind=\"overlapping_record\"} 0\n"
            "vram_only_tracker_misuse_total{kind=\"unknown_deallocation\"} 1\n"
            "vram_only_tracker_misuse_total{kind=\"invalid_device\"} 4\n");
}

TEST(PrometheusMetrics, FromALiveMonitor) {
  testing::TrackerFixture f;
  f.oracle.set_default(MemoryType::Device);
  ASSERT_TRUE(f.tracker.record_allocation(testing::ptr(0x7f0000000000), 4096, VramPurpose::KvCache, "kv"));
  HealthMonitor monitor(f.tracker, {});
  const std::string text = prometheus_metrics(monitor.check_now());
  EXPECT_NE(text.find("\nvram_only_healthy 1\n"), std::string::npos);
  EXPECT_NE(text.find("\nvram_only_tracked_bytes{purpose=\"KvCache\"} 4096\n"), std::string::npos);
  EXPECT_NE(text.find("\nvram_only_checks_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace vram_only

namespace vram_only {
namespace {

TEST(HealthDetailRules, LoopbackPeersAreRecognised) {
  for (const char* ip : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_peer(ip)) << ip;
  }
  for (const char* ip : {"", "10.0.0.7", "192.168.1.20", "::ffff:10.1.2.3", "fe80::1", "127.0.0", "127.0.0.1.5",
                         "127..0.1", "1270.0.0.1", "127.0.0.1x", "::2"}) {
    EXPECT_FALSE(is_loopback_peer(ip)) << ip;
  }
}

TEST(HealthDetailRules, WhoGetsTheFullRecord) {
  EXPECT_TRUE(full_detail_for(HealthDetail::Local, "127.0.0.1"));
  EXPECT_FALSE(full_detail_for(HealthDetail::Local, "10.0.0.7"));
  EXPECT_TRUE(full_detail_for(HealthDetail::Full, "10.0.0.7"));
  EXPECT_FALSE(full_detail_for(HealthDetail::Redacted, "127.0.0.1"));
  HealthDetail d = HealthDetail::Local;
  EXPECT_TRUE(parse_health_detail("full", d));
  EXPECT_EQ(d, HealthDetail::Full);
  EXPECT_FALSE(parse_health_detail("all", d));
  EXPECT_EQ(d, HealthDetail::Full);
}

TEST(HealthDetailRules, OffsetsAndAddressesAreRemovedFlagsStay) {
  EXPECT_EQ(redact_addresses("cuMemHostAlloc flags=0x2 from libtorch_cuda.so+0xcc0bd3"),
            "cuMemHostAlloc flags=0x2 from libtorch_cuda.so");
  EXPECT_EQ(redact_addresses("pinned at 0x7f92a2000000 (4096 bytes); call site: libggml-cuda.so+0x1a2b3c (f)"),
            "pinned at 0x? (4096 bytes); call site: libggml-cuda.so (f)");
  EXPECT_EQ(redact_addresses("0x100000000 and 0xffffffff"), "0x? and 0xffffffff");
  EXPECT_EQ(redact_addresses("a+0x"), "a+0x");
  EXPECT_EQ(redact_addresses(""), "");
}

TEST(HealthJson, RedactedHasNoPointerAndNoOffsets) {
  HealthStatus s = healthy_status();
  s.healthy = false;
  s.resident = false;
  Violation v = managed_kv();
  v.label = "cuMemAllocManaged flags=0x1 from libggml-cuda.so+0x1234";
  v.reason = "managed memory at 0x7f2a00000000 is not VRAM; call site: libggml-cuda.so+0x1234";
  s.violations.push_back(v);
  EXPECT_EQ(health_json(s, false),
            R"({"status":"unhealthy","resident":false,"vram_bytes_used":123456789,)"
            R"("last_check_secs":1767225600,"violations":[{)"
            R"("bytes":4194304,"purpose":"KvCache","label":"cuMemAllocManaged flags=0x1 from libggml-cuda.so",)"
            R"("memory_type":"Managed","device":0,"kind":"NotResident",)"
            R"("reason":"managed memory at 0x? is not VRAM; call site: libggml-cuda.so"}]})");
}

}  // namespace
}  // namespace vram_only
