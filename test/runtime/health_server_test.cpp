// HealthServer: real HTTP requests on loopback.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <system_error>
#include <thread>

#include <vram_only/health_server.hpp>

#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::ptr;

constexpr std::uintptr_t kBase = 0x7f0000000000;

// True once `answer` holds a status line, headers and Content-Length bytes of body.
bool response_complete(const std::string& answer) {
  const auto end = answer.find("\r\n\r\n");
  if (end == std::string::npos) {
    return false;
  }
  std::size_t length = 0;
  const auto at = answer.find("Content-Length: ");
  if (at != std::string::npos && at < end) {
    length = std::stoul(answer.substr(at + 16));
  }
  return answer.size() >= end + 4 + length;
}

// Sends raw bytes and returns the server's answer: one complete response,
// or whatever came before the connection closed (or 5 s passed).
std::string raw_request(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return "socket failed";
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    // No half-close: cpp-httplib drops connections whose peer has shut down.
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        break;
      }
      answer.append(buffer, static_cast<std::size_t>(n));
      if (response_complete(answer)) {
        break;
      }
    }
  } else {
    answer = "connect failed";
  }
  ::close(fd);
  return answer;
}

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
  EXPECT_EQ(res->body, prometheus_metrics(monitor.status()));
  EXPECT_NE(res->body.find("\nvram_only_tracked_bytes{purpose=\"ModelWeights\"} 4096\n"),
            std::string::npos);
  EXPECT_NE(res->body.find("\nvram_only_resident 1\n"), std::string::npos);
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
  HealthServer second(monitor, HealthServerOptions{"127.0.0.1", server.port()});
  try {
    second.start();
    FAIL() << "bound a port that is in use";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(server.port())),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(second.running());
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

TEST(HealthServerErrors, InvalidPortAndAddress) {
  testing::TrackerFixture f;
  HealthMonitor monitor(f.tracker, {});
  HealthServer bad_port(monitor, HealthServerOptions{"127.0.0.1", 70000});
  EXPECT_THROW(bad_port.start(), std::system_error);
  HealthServer bad_address(monitor, HealthServerOptions{"256.1.2.3", 0});
  EXPECT_THROW(bad_address.start(), std::system_error);
}

}  // namespace
}  // namespace vram_only
