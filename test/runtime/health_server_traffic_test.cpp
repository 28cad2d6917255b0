// HealthServer under real traffic, on loopback: slow clients, keep-alive
// pollers, idle connections, a huge POST. In each case /health still
// answers another client within 1 s, memory stays bounded and stop()
// returns within 1 s. Every client here stops by itself (a flag, a count
// and socket timeouts bound it).
#include <gtest/gtest.h>
#include <poll.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <vram_only/health_server.hpp>

#include "http_test_client.hpp"
#include "test_support.hpp"

namespace vram_only {
namespace {

using namespace std::chrono_literals;
using testing::connect_loopback;
using testing::metric;
using testing::probe;
using testing::Probe;
using testing::ptr;

constexpr std::uintptr_t kBase = 0x7f0000000000;

// Waits (bounded) until pred() holds.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// Client threads that run `body(i, done)` until `done` or they give up.
class Clients {
 public:
  template <class Body>
  void start(int count, Body body) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this, i, body] { body(i, done_); });
    }
  }
  ~Clients() { finish(); }
  void finish() {
    done_ = true;
    for (auto& t : threads_) {
      t.join();
    }
    threads_.clear();
  }

 private:
  std::atomic<bool> done_{false};
  std::vector<std::thread> threads_;
};

// Sends a request's headers one byte every 20 ms, never finishing them,
// until `done` or the server closes the connection (at most ~10 s).
void slow_headers(int port, std::atomic<int>& started, const std::atomic<bool>& done) {
  const int fd = connect_loopback(port);
  if (fd < 0) {
    return;
  }
  const std::string head = "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
  bool counted = false;
  for (std::size_t i = 0; i < 500 && !done.load(); ++i) {
    const char byte = i < head.size() ? head[i] : 'a';
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
      break;
    }
    if (!counted && i == 3) {
      counted = true;
      ++started;
    }
    std::this_thread::sleep_for(20ms);
  }
  if (!counted) {
    ++started;
  }
  ::close(fd);
}

class HealthServerTrafficTest : public ::testing::Test, protected testing::TrackerFixture {
 protected:
  void SetUp() override {
    oracle.set(kBase, 64 << 20, MemoryType::Device, 0);
    ASSERT_TRUE(tracker.record_allocation(ptr(kBase), 4096, VramPurpose::ModelWeights, "w", 0));
    monitor.check_now();
  }

  void start(HealthServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<HealthServer>(monitor, options);
    server->start();
    port = server->port();
  }

  // /health answers 200, within 1 s, for a new client, five times in a row.
  void expect_probes_answered() {
    for (int i = 0; i < 5; ++i) {
      const Probe p = probe(port);
      EXPECT_EQ(p.status, 200) << "probe " << i;
      EXPECT_LT(p.took, 1s) << "probe " << i;
    }
  }

  void expect_stop_in_time() {
    const auto t0 = std::chrono::steady_clock::now();
    server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_FALSE(server->running());
  }

  HealthMonitor monitor{tracker, HealthMonitorOptions{}};
  std::unique_ptr<HealthServer> server;
  int port = 0;
};

TEST_F(HealthServerTrafficTest, SlowHeaderClientsDoNotBlockProbes) {
  start();
  std::atomic<int> started{0};
  Clients slow;
  slow.start(8, [&](int, const std::atomic<bool>& done) { slow_headers(port, started, done); });
  ASSERT_TRUE(eventually([&] { return started.load() == 8; }));
  expect_probes_answered();
  expect_stop_in_time();  // while they still trickle
}

TEST_F(HealthServerTrafficTest, ASlowRequestIsCutAtItsDeadline) {
  HealthServerOptions options;
  options.request_timeout = 300ms;
  start(options);
  const int fd = connect_loopback(port);
  ASSERT_GE(fd, 0);
  std::atomic<bool> closed{false};
  std::thread trickle([&] {
    const std::string head = "GET /health HTTP/1.1\r\nX-Slow: ";
    for (std::size_t i = 0; i < 250 && !closed.load(); ++i) {  // at most ~5 s
      const char byte = i < head.size() ? head[i] : 'a';
      if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  char buffer[256];
  ssize_t n = 0;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {  // a 400 may come first
  }
  const int recv_errno = errno;
  const auto took = std::chrono::steady_clock::now() - t0;
  closed = true;
  trickle.join();
  ::close(fd);
  // The server closes the socket while the trickle still sends: the kernel
  // answers those late bytes with a reset, so the close shows up either as
  // end-of-stream or as ECONNRESET, depending on which the client reads
  // first. Only a receive timeout (EAGAIN) means the server kept it open.
  const bool closed_by_server = n == 0 || (n < 0 && recv_errno == ECONNRESET);
  EXPECT_TRUE(closed_by_server) << "recv returned " << n << ", errno " << recv_errno
                                << " (EAGAIN: the server did not close the connection)";
  EXPECT_LT(took, 3s);
  EXPECT_EQ(metric(port, "vram_only_http_requests_timed_out_total"), 1);
}

TEST_F(HealthServerTrafficTest, KeepAlivePollersDoNotBlockProbes) {
  start();
  std::atomic<long> answered{0};
  Clients pollers;
  pollers.start(8, [&](int, const std::atomic<bool>& done) {
    httplib::Client client("127.0.0.1", port);
    client.set_keep_alive(true);
    client.set_read_timeout(2, 0);
    for (int i = 0; i < 100000 && !done.load(); ++i) {
      const auto res = client.Get("/health");
      if (!res) {
        if (done.load()) {
          break;
        }
        std::this_thread::sleep_for(1ms);
        continue;
      }
      ++answered;
    }
  });
  ASSERT_TRUE(eventually([&] { return answered.load() >= 80; }));
  expect_probes_answered();
  expect_stop_in_time();  // while they poll
}

TEST_F(HealthServerTrafficTest, IdleConnectionsDoNotBlockProbes) {
  start();
  std::vector<int> idle;
  for (int i = 0; i < 50; ++i) {
    const int fd = connect_loopback(port);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  ASSERT_TRUE(eventually([&] { return metric(port, "vram_only_http_connections_total") >= 51; }));
  expect_probes_answered();
  expect_stop_in_time();
  for (const int fd : idle) {
    ::close(fd);
  }
}

TEST_F(HealthServerTrafficTest, AllSlotsTakenEvictsTheLongestWaiting) {
  HealthServerOptions options;
  options.max_connections = 4;
  start(options);
  std::vector<int> idle;
  for (int i = 0; i < 50; ++i) {
    const int fd = connect_loopback(port, 2s);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  // Every idle connection was accepted (each new one evicting an older one).
  ASSERT_TRUE(eventually([&] { return metric(port, "vram_only_http_connections_total") >= 51; }));
  expect_probes_answered();
  EXPECT_LE(metric(port, "vram_only_http_connections"), 4);
  EXPECT_GE(metric(port, "vram_only_http_connections_evicted_total"), 46);
  // The evicted clients see their connection closed.
  int closed = 0;
  for (const int fd : idle) {
    char byte;
    closed += ::recv(fd, &byte, 1, MSG_DONTWAIT) == 0 ? 1 : 0;
  }
  EXPECT_GE(closed, 46);
  expect_stop_in_time();
  for (const int fd : idle) {
    ::close(fd);
  }
}

// Idle clients that reconnect as soon as they are evicted: every slot is
// taken by a connection that has sent nothing, all the time. A probe, new
// itself and not yet read, was the one that had "waited longest" once its
// elders were evicted, and 0.3-1% of probes got no answer.
TEST_F(HealthServerTrafficTest, ProbesAreAnsweredWhileIdleClientsChurn) {
  HealthServerOptions options;
  options.max_connections = 8;
  start(options);
  Clients churners;
  churners.start(64, [this](int, const std::atomic<bool>& done) {
    while (!done.load()) {
      const int fd = connect_loopback(port, 2s);
      if (fd < 0) {
        continue;
      }
      char byte;
      pollfd p{fd, POLLIN, 0};
      while (!done.load() && ::poll(&p, 1, 20) == 0) {
      }
      (void)::recv(fd, &byte, 1, MSG_DONTWAIT);  // 0: evicted
      ::close(fd);
    }
  });
  ASSERT_TRUE(eventually([&] { return metric(port, "vram_only_http_connections_evicted_total") >= 500; }));
  int answered = 0;
  constexpr int kProbes = 100;
  for (int i = 0; i < kProbes; ++i) {
    answered += probe(port).status == 200 ? 1 : 0;
  }
  churners.finish();
  EXPECT_EQ(answered, kProbes);
  expect_stop_in_time();
}

TEST_F(HealthServerTrafficTest, IdleConnectionsCloseAfterIdleTimeout) {
  HealthServerOptions options;
  options.idle_timeout = 200ms;
  start(options);
  // Never sends anything.
  int fd = connect_loopback(port);
  ASSERT_GE(fd, 0);
  char byte;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  ::close(fd);
  // Keep-alive after one request.
  fd = connect_loopback(port);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::send_all(fd, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(testing::status_of(testing::read_response(fd)), 200);
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  ::close(fd);
}

TEST_F(HealthServerTrafficTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  const int fd = connect_loopback(port);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(testing::send_all(fd, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    ASSERT_EQ(testing::status_of(testing::read_response(fd)), 200) << i;
  }
  // Pipelined: two requests in one write, two answers.
  ASSERT_TRUE(testing::send_all(fd, "GET /health HTTP/1.1\r\nHost: a\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_EQ(testing::status_of(testing::read_response(fd)), 200);
  ::close(fd);
  EXPECT_EQ(metric(port, "vram_only_http_connections_total"), 2);
}

// Sends `head`, then body bytes (1 MiB at a time, at most 512 MiB) until the
// server stops taking them; returns the server's answer. `sent` counts body bytes.
std::string huge_post(int port, const std::string& head, std::atomic<std::size_t>& sent) {
  const int fd = connect_loopback(port, 2s);
  if (fd < 0) {
    return "connect failed";
  }
  if (!testing::send_all(fd, head)) {
    ::close(fd);
    return "send failed";
  }
  std::atomic<bool> answered{false};
  std::thread body([&] {
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 512 && !answered.load(); ++i) {
      const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        break;  // closed by the server, or 2 s without progress
      }
      sent += static_cast<std::size_t>(n);
    }
  });
  const std::string answer = testing::read_response(fd);
  answered = true;
  ::shutdown(fd, SHUT_RDWR);
  body.join();
  ::close(fd);
  return answer;
}

TEST_F(HealthServerTrafficTest, HugePostIs413WithoutReadingTheBody) {
  start();
  const std::size_t rss_before = testing::resident_bytes();
  for (const char* path : {"/upload", "/health"}) {
    std::atomic<std::size_t> sent{0};
    const std::string answer = huge_post(
        port, std::string("POST ") + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 536870912\r\n\r\n",
        sent);
    EXPECT_EQ(testing::status_of(answer), 413) << path << ": " << answer;
    EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
    EXPECT_NE(answer.find("\r\n\r\n{\"error\":\"request too large\"}"), std::string::npos) << answer;
    EXPECT_LT(sent.load(), std::size_t{64} << 20) << "the server read the body";
  }
  expect_probes_answered();
  EXPECT_LT(testing::resident_bytes(), rss_before + (std::size_t{64} << 20));
  EXPECT_EQ(metric(port, "vram_only_http_requests_too_large_total"), 2);
}

TEST_F(HealthServerTrafficTest, HugePostWithExpectContinueIsRefusedBeforeTheBody) {
  start();
  const std::string answer = testing::raw_request(
      port,
      "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 536870912\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << answer;
}

TEST_F(HealthServerTrafficTest, BodiesOfUnknownLengthAre413) {
  start();
  const std::string answer = testing::raw_request(
      port, "POST /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(testing::status_of(answer), 413) << answer;
}

TEST_F(HealthServerTrafficTest, OversizedHeadersAre400AndClosed) {
  start();
  const std::size_t rss_before = testing::resident_bytes();
  const int fd = connect_loopback(port, 2s);
  ASSERT_GE(fd, 0);
  // One header line of 4 MiB, never ended: the server stops reading at 8 KiB.
  testing::send_all(fd, "GET /health HTTP/1.1\r\nX-Big: ");
  std::atomic<bool> answered{false};
  std::thread big([&] {
    const std::string chunk(64 << 10, 'a');
    for (int i = 0; i < 64 && !answered.load(); ++i) {
      if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) <= 0) {
        break;
      }
    }
  });
  const std::string answer = testing::read_response(fd);
  answered = true;
  ::shutdown(fd, SHUT_RDWR);
  big.join();
  ::close(fd);
  EXPECT_EQ(testing::status_of(answer), 400) << answer;
  EXPECT_LT(testing::resident_bytes(), rss_before + (std::size_t{32} << 20));
  EXPECT_EQ(metric(port, "vram_only_http_requests_too_large_total"), 1);
  expect_probes_answered();
}

TEST_F(HealthServerTrafficTest, EverythingAtOnceThenStopInTime) {
  start();
  const std::size_t rss_before = testing::resident_bytes();
  std::atomic<int> started{0};
  Clients clients;
  clients.start(8, [&](int, const std::atomic<bool>& done) { slow_headers(port, started, done); });
  std::atomic<long> answered{0};
  clients.start(8, [&](int, const std::atomic<bool>& done) {
    httplib::Client client("127.0.0.1", port);
    client.set_keep_alive(true);
    client.set_read_timeout(2, 0);
    for (int i = 0; i < 100000 && !done.load(); ++i) {
      if (client.Get("/health")) {
        ++answered;
      } else {
        std::this_thread::sleep_for(1ms);
      }
    }
  });
  std::vector<int> idle;
  for (int i = 0; i < 50; ++i) {
    const int fd = connect_loopback(port);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  std::atomic<std::size_t> sent{0};
  std::string post_answer;
  std::thread post([&] {
    post_answer = huge_post(
        port, "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 536870912\r\n\r\n", sent);
  });
  ASSERT_TRUE(eventually([&] { return started.load() == 8 && answered.load() >= 80; }));
  expect_probes_answered();
  post.join();
  EXPECT_EQ(testing::status_of(post_answer), 413);
  // Bounded: far below the 512 MB body (with 70 threads; sanitizers add to it).
  EXPECT_LT(testing::resident_bytes(), rss_before + (std::size_t{256} << 20));
  expect_stop_in_time();
  clients.finish();
  for (const int fd : idle) {
    ::close(fd);
  }
}

}  // namespace
}  // namespace vram_only
