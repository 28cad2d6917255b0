// HealthServer: real HTTP requests on loopback.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include <vram_only/health_server.hpp>

#include "http_test_client.hpp"
#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::ptr;
using testing::raw_request;

constexpr std::uintptr_t kBase = 0x7f0000000000;

class HealthServerTest : public ::testing::Test, protected testing::TrackerFixture {
 protected:
  void SetUp() override {
    oracle.set(kBase, 64 << 20, MemoryType::Device, 0);
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "w", 0));
    monitor.check_now();
    server.start();
    ASSERT_GT(server.port(), 0);
    client = std::make_unique<httplib::Client>("127.0.0.1", server.port());
    client->set_read_timeout(5, 0);
  }

  void TearDown() override { server.stop(); }

  std::string last_check() const { return std::to_string(monitor.status().last_check_secs); }

  HealthMonitor monitor{tracker, HealthMonitorOptions{}};
  HealthServer server{monitor, HealthServerOptions{"127.0.0.1", 0}};
  std::unique_ptr<httplib::Client> client;
};

TEST_F(HealthServerTest, HealthyIs200WithExactJson) {
  const auto res = client->Get("/health");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->body, R"({"status":"healthy","resident":true,"vram_bytes_used":4096,"last_check_secs":)" +
                           last_check() + R"(,"violations":[]})");
}

TEST_F(HealthServerTest, QueryStringsAreIgnored) {
  const auto res = client->Get("/health?verbose=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HealthServerTest, ViolationTurnsIt503WithTheAllocationNamed) {
  oracle.set(kBase + (64 << 20), 1 << 20, MemoryType::Managed, 0);
  ASSERT_TRUE(tracker.record_allocation(ptr(kBase + (64 << 20)), 1 << 20, VramPurpose::KvCache, "kv.layer0", 0));
  monitor.check_now();
  const auto res = client->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body,
            R"({"status":"unhealthy","resident":false,"vram_bytes_used":1052672,"last_check_secs":)" +
                last_check() +
                R"(,"violations":[{"pointer":"0x7f0004000000","bytes":1048576,"purpose":"KvCache",)"
                R"("label":"kv.layer0","memory_type":"Managed","device":0,"kind":"NotResident",)"
                R"("reason":"managed (unified) memory: its pages can migrate to host memory"}]})");
}

TEST_F(HealthServerTest, MetricsInPrometheusFormat) {
  const auto res = client->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  // The monitor's metrics, then the endpoint's own.
  const std::string monitor_part = prometheus_metrics(monitor.status());
  EXPECT_EQ(res->body.substr(0, monitor_part.size()), monitor_part);
  EXPECT_EQ(res->body.substr(monitor_part.size()),
            "# HELP vram_only_violations_unlisted Violations since the last reset that /health does "
            "not list (it lists the first ones).\n"
            "# TYPE vram_only_violations_unlisted gauge\n"
            "vram_only_violations_unlisted 0\n"
            "# HELP vram_only_violations_dropped_total Violations found while the monitor's set of "
            "known violations was full: counted each time found, not logged, called back or listed "
            "one by one.\n"
            "# TYPE vram_only_violations_dropped_total counter\n"
            "vram_only_violations_dropped_total 0\n"
            "# HELP vram_only_http_connections Open connections to the health endpoint.\n"
            "# TYPE vram_only_http_connections gauge\n"
            "vram_only_http_connections 1\n"
            "# HELP vram_only_http_connections_total Connections accepted by the health endpoint.\n"
            "# TYPE vram_only_http_connections_total counter\n"
            "vram_only_http_connections_total 1\n"
            "# HELP vram_only_http_connections_evicted_total Connections closed to make room for a "
            "new one (all slots were taken).\n"
            "# TYPE vram_only_http_connections_evicted_total counter\n"
            "vram_only_http_connections_evicted_total 0\n"
            "# HELP vram_only_http_requests_timed_out_total Requests that did not arrive or could not "
            "be answered within request_timeout.\n"
            "# TYPE vram_only_http_requests_timed_out_total counter\n"
            "vram_only_http_requests_timed_out_total 0\n"
            "# HELP vram_only_http_requests_too_large_total Requests over max_request_bytes (413, or "
            "400 for oversized headers).\n"
            "# TYPE vram_only_http_requests_too_large_total counter\n"
            "vram_only_http_requests_too_large_total 0\n");
  EXPECT_NE(res->body.find("\nvram_only_tracked_bytes{purpose=\"ModelWeights\"} 4096\n"),
            std::string::npos);
  EXPECT_NE(res->body.find("\nvram_only_resident 1\n"), std::string::npos);
}

TEST(HealthServerMetrics, ExtraMetricsComeLast) {
  testing::TrackerFixture f;
  HealthMonitor monitor(f.tracker, {});
  HealthServerOptions options{"127.0.0.1", 0};
  options.extra_metrics = [] { return std::string("my_metric 7\n"); };
  HealthServer server(monitor, options);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  const std::string tail = "\nvram_only_http_requests_too_large_total 0\nmy_metric 7\n";
  ASSERT_GE(res->body.size(), tail.size());
  EXPECT_EQ(res->body.substr(res->body.size() - tail.size()), tail);
}

TEST(HealthServerMetrics, TheMonitorsBoundsAreVisible) {
  testing::TrackerFixture f;
  f.oracle.set_default(MemoryType::Host);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(f.tracker.record_allocation(ptr(0x10000000 + i * 4096), 4096, VramPurpose::Other));
  }
  HealthMonitorOptions o;
  o.max_remembered_violations = 2;
  o.max_listed_violations = 1;
  HealthMonitor monitor(f.tracker, o);
  monitor.check_now();
  HealthServer server(monitor, HealthServerOptions{"127.0.0.1", 0});
  server.start();
  EXPECT_EQ(testing::metric(server.port(), "vram_only_violations_total"), 2);
  EXPECT_EQ(testing::metric(server.port(), "vram_only_violations_unlisted"), 1);
  EXPECT_EQ(testing::metric(server.port(), "vram_only_violations_dropped_total"), 1);
}

TEST_F(HealthServerTest, OtherMethodsOnKnownPathsAre405) {
  for (const char* path : {"/health", "/metrics"}) {
    auto res = client->Post(path, "x", "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405) << path;
    EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
    EXPECT_EQ(res->body, R"({"error":"method not allowed"})");
    res = client->Put(path, "x", "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    res = client->Delete(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    res = client->Patch(path, "x", "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    res = client->Options(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
  }
}

TEST_F(HealthServerTest, HeadGivesTheStatusWithoutABody) {
  const auto res = client->Head("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
}

TEST_F(HealthServerTest, UnknownPathsAre404) {
  for (const char* path : {"/", "/healthz", "/health/", "/metrics/x"}) {
    const auto res = client->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->body, R"({"error":"not found"})");
  }
  const auto res = client->Post("/nowhere", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(HealthServerTest, MalformedRequestsAre400) {
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /health\r\n\r\n"),
        std::string("GET /health HTTP/1.1 extra\r\n\r\n"),
        std::string("BREW /health HTTP/1.1\r\nHost: x\r\n\r\n")}) {
    const std::string answer = raw_request(server.port(), request);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << request << " -> " << answer;
  }
  // The server is still fine afterwards.
  const auto res = client->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HealthServerTest, RawGetWorks) {
  const std::string answer =
      raw_request(server.port(), "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("\r\n\r\n{\"status\":\"healthy\""), std::string::npos) << answer;
}

TEST_F(HealthServerTest, NeverBlocksOnARunningSweep) {
  testing::StuckQueries stuck(oracle);
  std::thread sweeper([&] { monitor.check_now(); });
  ASSERT_TRUE(stuck.wait_until_stuck());
  const auto res = client->Get("/health");  // the sweep is stuck in the "driver"
  stuck.release();
  sweeper.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HealthServerTest, StartTwiceIsAnError) {
  EXPECT_THROW(server.start(), std::logic_error);
}

TEST_F(HealthServerTest, PortInUseIsAClearError) {
  const std::string port = std::to_string(server.port());
  HealthServer second(monitor, HealthServerOptions{"127.0.0.1", server.port()});
  try {
    second.start();
    FAIL() << "bound a port that is in use";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use) << e.what();
    EXPECT_EQ(std::string(e.what()), "vram-only HealthServer: cannot listen on 127.0.0.1:" + port +
                                         ": bind 127.0.0.1:" + port +
                                         ": Address already in use");
  }
  EXPECT_FALSE(second.running());
  EXPECT_EQ(second.port(), 0);
  // The same without an exception.
  const HealthServerStart started = second.try_start();
  EXPECT_FALSE(started);
  EXPECT_EQ(started.error, std::errc::address_in_use);
  EXPECT_EQ(started.message, "vram-only HealthServer: cannot listen on 127.0.0.1:" + port +
                                 ": bind 127.0.0.1:" + port + ": Address already in use");
  EXPECT_FALSE(second.running());
  // The first server is unaffected.
  const auto res = client->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HealthServerTest, StopAndStartAgain) {
  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
  server.stop();  // idempotent
  server.start();
  httplib::Client again("127.0.0.1", server.port());
  const auto res = again.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(HealthServerOptions, DefaultsAreLoopback8080) {
  const HealthServerOptions options;
  EXPECT_EQ(options.address, "127.0.0.1");
  EXPECT_EQ(options.port, 8080);
}

// try_start()'s error for `options`, expecting that it does not run.
HealthServerStart start_error(HealthServerOptions options) {
  testing::TrackerFixture f;
  HealthMonitor monitor(f.tracker, {});
  HealthServer server(monitor, std::move(options));
  HealthServerStart started = server.try_start();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
  return started;
}

TEST(HealthServerErrors, BadPort) {
  const HealthServerStart started = start_error({"127.0.0.1", 70000});
  EXPECT_EQ(started.error, std::errc::invalid_argument);
  EXPECT_EQ(started.message,
            "vram-only HealthServer: cannot listen on 127.0.0.1:70000: bad port 70000 "
            "(0-65535; 0 = any free port): Invalid argument");
  EXPECT_EQ(start_error({"127.0.0.1", -1}).error, std::errc::invalid_argument);
}

TEST(HealthServerErrors, BadAddress) {
  for (const char* address : {"256.1.2.3", "not an address", "127.0.0.1:80"}) {
    const HealthServerStart started = start_error({address, 0});
    EXPECT_EQ(started.error, std::errc::invalid_argument) << address;
    EXPECT_EQ(started.message.rfind(std::string("vram-only HealthServer: cannot listen on ") + address +
                                        ":0: bad address \"" + address + "\" (",
                                    0),
              0u)
        << started.message;
  }
  // A well-formed address that is not this machine's (TEST-NET-1, RFC 5737).
  const HealthServerStart started = start_error({"192.0.2.1", 0});
  EXPECT_EQ(started.error, std::errc::address_not_available);
  EXPECT_EQ(started.message,
            "vram-only HealthServer: cannot listen on 192.0.2.1:0: bind 192.0.2.1:0: "
            "Cannot assign requested address");
}

bool privileged_port_is_refused() {
  const HealthServerStart started = start_error({"127.0.0.1", 1});
  return started.error == std::errc::permission_denied &&
         started.message ==
             "vram-only HealthServer: cannot listen on 127.0.0.1:1: bind 127.0.0.1:1: Permission denied";
}

TEST(HealthServerErrors, PrivilegedPortWithoutPermission) {
  int unprivileged_start = 1024;
  std::ifstream("/proc/sys/net/ipv4/ip_unprivileged_port_start") >> unprivileged_start;
  if (unprivileged_start <= 1) {
    GTEST_SKIP() << "net.ipv4.ip_unprivileged_port_start is " << unprivileged_start
                 << ": everyone may bind port 1 here";
  }
  if (::geteuid() != 0) {
    EXPECT_TRUE(privileged_port_is_refused());
    return;
  }
  // As root, in a child that has become "nobody" (root may bind port 1).
  EXPECT_EXIT(
      {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
          std::_Exit(2);
        }
        std::_Exit(privileged_port_is_refused() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(HealthServerErrors, BadLimits) {
  HealthServerOptions no_connections{"127.0.0.1", 0};
  no_connections.max_connections = 0;
  EXPECT_EQ(start_error(no_connections).message,
            "vram-only HealthServer: cannot listen on 127.0.0.1:0: max_connections must be at least 1: "
            "Invalid argument");
  HealthServerOptions no_timeout{"127.0.0.1", 0};
  no_timeout.idle_timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(start_error(no_timeout).error, std::errc::invalid_argument);
  HealthServerOptions tiny{"127.0.0.1", 0};
  tiny.max_request_bytes = 10;
  EXPECT_EQ(start_error(tiny).error, std::errc::invalid_argument);
}

TEST(HealthServerErrors, StartThrowsSystemErrorWithTheCode) {
  testing::TrackerFixture f;
  HealthMonitor monitor(f.tracker, {});
  HealthServer server(monitor, HealthServerOptions{"256.1.2.3", 0});
  try {
    server.start();
    FAIL() << "started on a bad address";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("bad address \"256.1.2.3\""), std::string::npos) << e.what();
  }
}

// ---- Lifetimes: the server holds the monitor by reference ------------------

TEST(HealthServerLifetime, MonitorDestroyedFirstStopsTheServer) {
  testing::TrackerFixture f;
  auto monitor = std::make_unique<HealthMonitor>(f.tracker, HealthMonitorOptions{});
  monitor->check_now();
  HealthServer server(*monitor, HealthServerOptions{"127.0.0.1", 0});
  server.start();
  const int port = server.port();
  // A client polls while the monitor goes away.
  std::atomic<bool> done{false};
  std::thread poller([&] {
    while (!done.load()) {
      testing::probe(port);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  monitor.reset();  // wrong order: the monitor first
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
  done = true;
  poller.join();
  EXPECT_EQ(testing::probe(port).status, 0);  // nobody answers any more
  try {
    server.start();
    FAIL() << "started over a destroyed monitor";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "vram-only HealthServer: its HealthMonitor was destroyed");
  }
  server.stop();  // harmless; so is the destructor
}

TEST(HealthServerLifetime, StoppedServerOverADestroyedMonitorIsHarmless) {
  testing::TrackerFixture f;
  auto monitor = std::make_unique<HealthMonitor>(f.tracker, HealthMonitorOptions{});
  auto server = std::make_unique<HealthServer>(*monitor, HealthServerOptions{"127.0.0.1", 0});
  monitor.reset();
  EXPECT_THROW(server->start(), std::logic_error);
  server.reset();
}

TEST(HealthServerLifetime, RightOrderUnregistersFromTheMonitor) {
  testing::TrackerFixture f;
  HealthMonitor monitor(f.tracker, {});
  for (int i = 0; i < 3; ++i) {
    HealthServer server(monitor, HealthServerOptions{"127.0.0.1", 0});
    server.start();
  }  // each server removed its hook: destroying the monitor touches none of them
}

// The first IPv4 address of an interface that is up and not loopback; "" if none.
std::string own_non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (const ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_UP) == 0 ||
        (a->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    char text[INET_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    found = text;
  }
  freeifaddrs(list);
  return found;
}

// GET /health from `ip` to `ip`:port (a connection to one of the machine's
// own addresses comes from that address): the body.
std::string health_body_from(const std::string& ip, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  std::string answer = "connect failed";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    testing::send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    answer = testing::read_response(fd);
  }
  ::close(fd);
  const auto split = answer.find("\r\n\r\n");
  return split == std::string::npos ? answer : answer.substr(split + 4);
}

// A worker on 0.0.0.0 with a violation whose label names a call site.
struct ExposedWorker : testing::TrackerFixture {
  explicit ExposedWorker(HealthDetail detail) : server(monitor, options(detail)) {
    oracle.set(kBase, 1 << 20, MemoryType::Host, -1);
    tracker.record_allocation(ptr(kBase), 1 << 20, VramPurpose::Other, "cuMemHostAlloc from libfoo.so+0xcc0bd3", 0);
    monitor.check_now();
    server.start();
  }
  static HealthServerOptions options(HealthDetail detail) {
    HealthServerOptions o{"0.0.0.0", 0};
    o.detail = detail;
    return o;
  }
  HealthMonitor monitor{tracker, HealthMonitorOptions{}};
  HealthServer server;
};

TEST(HealthServerDetail, OffLoopbackClientsGetNoPointerAndNoOffsetsByDefault) {
  const std::string ip = own_non_loopback_ipv4();
  if (ip.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address to connect from";
  ExposedWorker worker(HealthDetail::Local);
  const std::string local = health_body_from("127.0.0.1", worker.server.port());
  EXPECT_NE(local.find(R"("pointer":"0x7f0000000000")"), std::string::npos) << local;
  EXPECT_NE(local.find(R"("label":"cuMemHostAlloc from libfoo.so+0xcc0bd3")"), std::string::npos) << local;
  const std::string remote = health_body_from(ip, worker.server.port());
  EXPECT_EQ(remote.find("pointer"), std::string::npos) << remote;
  EXPECT_EQ(remote.find("0x"), std::string::npos) << remote;
  EXPECT_NE(remote.find(R"("label":"cuMemHostAlloc from libfoo.so","memory_type":"Host")"), std::string::npos)
      << remote;
  EXPECT_NE(remote.find(R"("bytes":1048576)"), std::string::npos) << remote;
}

TEST(HealthServerDetail, AnOperatorCanOptIntoFullDetailForEveryone) {
  const std::string ip = own_non_loopback_ipv4();
  if (ip.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address to connect from";
  ExposedWorker worker(HealthDetail::Full);
  const std::string remote = health_body_from(ip, worker.server.port());
  EXPECT_NE(remote.find(R"("pointer":"0x7f0000000000")"), std::string::npos) << remote;
  EXPECT_NE(remote.find("libfoo.so+0xcc0bd3"), std::string::npos) << remote;
}

TEST(HealthServerDetail, RedactedHidesTheDetailFromLoopbackToo) {
  ExposedWorker worker(HealthDetail::Redacted);
  const std::string local = health_body_from("127.0.0.1", worker.server.port());
  EXPECT_EQ(local.find("pointer"), std::string::npos) << local;
  EXPECT_NE(local.find(R"("label":"cuMemHostAlloc from libfoo.so")"), std::string::npos) << local;
}

}  // namespace
}  // namespace vram_only
