// The HTTP transport behind HealthServer. cpp-httplib parses requests,
// routes them and writes responses (Server::process_request over a Stream);
// this class owns the sockets and threads, so that no client can keep the
// endpoint from answering:
//
//   - one thread per connection, at most `max_connections` of them; when all
//     are taken, a new connection takes the place of another: first the one
//     idle longest after a completed request (keep-alive), then the oldest
//     slow request (one that sent nothing yet, or part of a request); never
//     one whose request is being answered, one whose request bytes are
//     already waiting to be read, or one younger than kEvictionGrace (so a
//     probe that connects among churning idle clients is not itself
//     evicted before its thread reads its request);
//   - deadlines: a request must arrive and be answered within
//     `request_timeout` of its first byte; an open connection waits at most
//     `idle_timeout` for the first byte of its next request;
//   - at most `max_request_bytes` are read for a request (cpp-httplib keeps
//     a header line in memory until its end): past that the request fails
//     (400) and the connection closes;
//   - a request that declares a body (Content-Length > 0 or
//     Transfer-Encoding) closes the connection after its answer, without the
//     body being read past the limit above (the routes decide the answer,
//     e.g. 413);
//   - stop() wakes the accept loop and every connection (shutdown(2) on their
//     sockets) and returns once their threads ended: within milliseconds,
//     plus what a route handler in flight still needs.
//
// Why not cpp-httplib's own listen loop: in Debian 12's libcpp-httplib
// 0.11.4 its thread pool (8 threads), its listen backlog (5) and its
// timeouts are compiled into the shared library; a read timeout applies to
// each read, so a client sending a byte every few seconds holds a thread
// forever, and stop() waits for idle keep-alive connections. Its parser and
// router are used as they are.
//
// Ownership: the listening socket passed to start() belongs to the server
// until stop(). Thread-safety: configure routes() before start(); start()
// and stop() must not run concurrently with each other (HealthServer
// serializes them); counters() may be called from any thread.
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "vram_only/detail/listen_socket.hpp"

namespace vram_only::detail {

struct HttpLimits {
  std::size_t max_connections = 64;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds idle_timeout{5000};
  std::size_t max_request_bytes = 8192;
};

struct HttpCounters {
  std::uint64_t open = 0;       // connections being served now
  std::uint64_t accepted = 0;   // connections accepted
  std::uint64_t evicted = 0;    // closed to make room for a new connection
  std::uint64_t timed_out = 0;  // closed because a request missed its deadline
  std::uint64_t too_large = 0;  // requests that exceeded max_request_bytes
};

// A connection's socket as a cpp-httplib Stream: reads are buffered, every
// wait ends at the request's deadline, and reads stop at the request's byte
// budget. Used by one thread.
class DeadlineSocketStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  DeadlineSocketStream(int fd, std::size_t max_request_bytes)
      : fd_(fd), max_request_bytes_(max_request_bytes) {}

  // Waits until `deadline` for the next request's first byte. False on
  // timeout, end of stream, error or a shut-down socket.
  bool wait_for_request(Clock::time_point deadline) {
    if (begin_ < end_) {
      return true;
    }
    deadline_ = deadline;
    return receive(sizeof buffer_) > 0;
  }

  // Starts a request: a new deadline and byte budget (the bytes already
  // buffered count against it).
  void begin_request(Clock::time_point deadline) {
    deadline_ = deadline;
    const std::size_t buffered = end_ - begin_;
    budget_ = max_request_bytes_ > buffered ? max_request_bytes_ - buffered : 0;
    timed_out_ = false;
    exceeded_ = false;
  }

  bool timed_out() const noexcept { return timed_out_; }
  bool exceeded() const noexcept { return exceeded_; }

  bool is_readable() const override { return begin_ < end_ || wait(POLLIN); }
  bool is_writable() const override { return wait(POLLOUT); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (budget_ == 0) {
        exceeded_ = true;
        return -1;
      }
      const ssize_t n = receive(std::min(sizeof buffer_, budget_));
      if (n <= 0) {
        return n;
      }
      budget_ -= static_cast<std::size_t>(n);
    }
    const std::size_t count = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, count);
    begin_ += count;
    return static_cast<ssize_t>(count);
  }

  ssize_t write(const char* ptr, size_t size) override {
    for (;;) {
      if (past_deadline()) {
        return -1;
      }
      const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        return n;
      }
      if (errno != EINTR && (!would_block() || !wait(POLLOUT))) {
        return -1;
      }
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    endpoint(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    endpoint(::getsockname, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  // poll() until the deadline; true when `events` (or a hang-up or error,
  // which the next call then reports) happened.
  bool wait(short events) const {
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) {
        timed_out_ = true;
        return false;
      }
      pollfd p{fd_, events, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
      if (ready > 0) {
        return true;
      }
      if (ready < 0 && errno != EINTR) {
        return false;
      }
    }
  }

  bool past_deadline() const {
    if (Clock::now() < deadline_) {
      return false;
    }
    timed_out_ = true;
    return true;
  }

  static bool would_block() noexcept { return errno == EAGAIN || errno == EWOULDBLOCK; }

  // Refills the buffer with at most `limit` bytes, waiting for them until
  // the deadline: > 0 bytes, 0 at the end of the stream, -1 otherwise.
  // Tries first and polls only when nothing is there (no syscall wasted on
  // a request that arrived in one piece).
  ssize_t receive(std::size_t limit) {
    begin_ = 0;
    end_ = 0;
    for (;;) {
      if (past_deadline()) {
        return -1;
      }
      const ssize_t n = ::recv(fd_, buffer_, limit, MSG_DONTWAIT);
      if (n >= 0) {
        end_ = static_cast<std::size_t>(n);
        return n;
      }
      if (errno != EINTR && (!would_block() || !wait(POLLIN))) {
        return -1;
      }
    }
  }

  template <class Query>
  void endpoint(Query query, std::string& ip, int& port) const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (query(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    const std::string text = numeric_endpoint(reinterpret_cast<sockaddr*>(&address), length);
    const auto colon = text.rfind(':');
    ip = text.substr(0, colon);
    if (!ip.empty() && ip.front() == '[') {
      ip = ip.substr(1, ip.size() - 2);
    }
    port = std::atoi(text.c_str() + colon + 1);
  }

  int fd_;
  std::size_t max_request_bytes_;
  std::size_t budget_ = 0;
  Clock::time_point deadline_{};
  mutable bool timed_out_ = false;
  bool exceeded_ = false;
  char buffer_[4096];
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// A request from memory; what is written is dropped. For warm_up().
class InputOnlyStream final : public httplib::Stream {
 public:
  explicit InputOnlyStream(std::string input) : input_(std::move(input)) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t count = std::min(size, input_.size() - offset_);
    std::memcpy(ptr, input_.data() + offset_, count);
    offset_ += count;
    return static_cast<ssize_t>(count);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string&, int&) const override {}
  void get_local_ip_and_port(std::string&, int&) const override {}
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string input_;
  std::size_t offset_ = 0;
};

class BoundedHttpServer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BoundedHttpServer(HttpLimits limits) : limits_(limits) {}
  ~BoundedHttpServer() { stop(); }

  BoundedHttpServer(const BoundedHttpServer&) = delete;
  BoundedHttpServer& operator=(const BoundedHttpServer&) = delete;

  // Handlers and options of cpp-httplib (routes, pre-routing, error
  // handler); set them before start(). Its listen/timeout settings are not
  // used.
  httplib::Server& routes() noexcept { return router_; }

  // Serves the listening socket `fd`, which the server owns from now on, on
  // a background thread. Throws std::system_error when that thread cannot
  // be started (fd is closed then).
  void start(int fd) {
    listen_fd_ = fd;
    stopping_ = false;
    warm_up();
    try {
      accept_thread_ = std::thread([this] { accept_loop(); });
    } catch (...) {
      ::close(listen_fd_);
      listen_fd_ = -1;
      throw;
    }
  }

  // Stops accepting, ends every connection and joins all threads; closes
  // the listening socket. Idempotent.
  void stop() {
    if (!accept_thread_.joinable()) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      ::shutdown(listen_fd_, SHUT_RDWR);  // accept() returns (EINVAL)
      for (Connection& c : connections_) {
        if (c.fd >= 0) {
          ::shutdown(c.fd, SHUT_RDWR);  // its poll() and recv() return
        }
      }
    }
    changed_.notify_all();
    accept_thread_.join();
    // No connection is added any more; each thread closes its socket.
    for (Connection& c : connections_) {
      c.thread.join();
    }
    connections_.clear();
    ::close(listen_fd_);
    listen_fd_ = -1;
  }

  HttpCounters counters() const {
    std::lock_guard<std::mutex> lock(mutex_);
    HttpCounters out = counters_;
    out.open = 0;
    for (const Connection& c : connections_) {
      out.open += c.fd >= 0 ? 1 : 0;
    }
    return out;
  }

 private:
  // cpp-httplib's request processing over any Stream (protected there).
  class Router final : public httplib::Server {
   public:
    using httplib::Server::process_request;
  };

  // Fresh: accepted, no request byte yet. Receiving: a request's bytes are
  // arriving. Answering: the request is parsed and being answered. Idle:
  // waiting for the next request after a completed one.
  enum class Phase { Fresh, Receiving, Answering, Idle };

  struct Connection {
    int fd = -1;  // -1 once closed (by its own thread, under mutex_)
    Phase phase = Phase::Fresh;
    Clock::time_point since;  // start of the current phase (or request)
    bool evicted = false;
    bool finished = false;
    std::thread thread;
  };

  // Requests one connection may carry before it is closed.
  static constexpr std::size_t kMaxRequestsPerConnection = 1000;

 public:
  // A connection is never evicted sooner than this after its last change
  // of phase (accepted, request started, request answered).
  static constexpr std::chrono::milliseconds kEvictionGrace{10};

 private:

  // One request through the routes on this thread, before any connection
  // thread exists: cpp-httplib initializes function-local statics (e.g. its
  // set of methods) on first use, inside its shared library, which
  // ThreadSanitizer cannot see synchronized and would report as a race
  // between the first two connections.
  void warm_up() {
    InputOnlyStream request("GET /vram-only-warm-up HTTP/1.1\r\nHost: localhost\r\n\r\n");
    bool closed = false;
    router_.process_request(request, true, closed, nullptr);
  }

  void accept_loop() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        const int error = errno;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (stopping_) {
            return;
          }
        }
        if (error != EINTR && error != ECONNABORTED) {
          // Out of descriptors or memory, or a network error that accept(2)
          // passes on: the listening socket is fine; try again shortly.
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        continue;
      }
      if (!admit(fd)) {
        ::close(fd);
        return;
      }
    }
  }

  // Waits for a free slot (evicting the connection that has waited longest
  // for request bytes) and starts the connection's thread. False when
  // stopping.
  bool admit(int fd) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      reap_locked();
      if (stopping_) {
        return false;
      }
      if (live_locked() < limits_.max_connections) {
        break;
      }
      // Nobody evictable yet (all too young, answering or with bytes
      // waiting): look again once the grace has passed.
      const bool pending = eviction_pending_locked() || evict_one_locked();
      changed_.wait_for(lock, pending ? std::chrono::milliseconds(50) : kEvictionGrace);
    }
    ++counters_.accepted;
    connections_.emplace_back();
    Connection& c = connections_.back();
    c.fd = fd;
    c.since = Clock::now();
    try {
      c.thread = std::thread([this, &c] { serve(c); });
    } catch (...) {
      connections_.pop_back();  // no thread: out of resources; drop this one
      lock.unlock();
      ::close(fd);
    }
    return true;
  }

  std::size_t live_locked() const {
    return static_cast<std::size_t>(std::count_if(
        connections_.begin(), connections_.end(), [](const Connection& c) { return !c.finished; }));
  }

  bool eviction_pending_locked() const {
    return std::any_of(connections_.begin(), connections_.end(),
                       [](const Connection& c) { return c.evicted && !c.finished; });
  }

  // Evicts the idle connection waiting longest, else the oldest slow
  // request (see the class comment); none when every candidate is too young
  // or has its request bytes waiting (admit() then waits and tries again).
  // True when one was evicted.
  bool evict_one_locked() {
    const Clock::time_point old_enough = Clock::now() - kEvictionGrace;
    Connection* victim = nullptr;
    for (Connection& c : connections_) {
      if (c.finished || c.evicted || c.fd < 0 || c.phase == Phase::Answering || c.since > old_enough) {
        continue;
      }
      const bool idle = c.phase == Phase::Idle;
      const bool victim_idle = victim != nullptr && victim->phase == Phase::Idle;
      const bool better = victim == nullptr || (idle && !victim_idle) || (idle == victim_idle && c.since < victim->since);
      if (better && !has_unread_bytes(c.fd)) {
        victim = &c;
      }
    }
    if (victim != nullptr) {
      victim->evicted = true;
      ++counters_.evicted;
      ::shutdown(victim->fd, SHUT_RDWR);
    }
    return victim != nullptr;
  }

  // Bytes from the client that its thread has not read yet: the client is
  // not the slow one.
  static bool has_unread_bytes(int fd) {
    char byte = 0;
    return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
  }

  // Joins the threads of finished connections (they are about to return).
  void reap_locked() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->finished) {
        it->thread.join();
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void set_phase(Connection& c, Phase phase) {
    std::lock_guard<std::mutex> lock(mutex_);
    c.phase = phase;
    c.since = Clock::now();
  }

  void serve(Connection& c) {
    const int fd = c.fd;  // closed only by this thread
    const int yes = 1;
    // Headers and body go out in separate writes: without TCP_NODELAY,
    // Nagle's algorithm holds the body until the client's delayed ACK.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    DeadlineSocketStream stream(fd, limits_.max_request_bytes);
    bool unread_body = false;
    for (std::size_t served = 0; served < kMaxRequestsPerConnection; ++served) {
      if (!stream.wait_for_request(Clock::now() + limits_.idle_timeout)) {
        break;
      }
      set_phase(c, Phase::Receiving);  // a request started: waiting for its bytes
      stream.begin_request(Clock::now() + limits_.request_timeout);
      bool parsed = false;
      bool has_body = false;
      bool close_requested = false;
      const bool last = served + 1 == kMaxRequestsPerConnection;
      const bool answered = router_.process_request(
          stream, last, close_requested, [&](httplib::Request& req) {
            parsed = true;
            has_body = req.has_header("Transfer-Encoding") ||
                       (req.has_header("Content-Length") &&
                        req.get_header_value("Content-Length") != "0");
            set_phase(c, Phase::Answering);
          });
      if (stream.timed_out() || stream.exceeded()) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++(stream.exceeded() ? counters_.too_large : counters_.timed_out);
      }
      set_phase(c, Phase::Idle);
      // A request that did not parse or carried a body leaves bytes of
      // unknown meaning behind: close.
      if (!answered || close_requested || !parsed || has_body || last) {
        unread_body = has_body;
        break;
      }
    }
    if (unread_body) {
      linger(fd);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ::close(fd);
    c.fd = -1;
    c.finished = true;
    changed_.notify_all();
  }

  // Before closing a connection whose request body was not read: send our
  // FIN, then read (and drop) what the client still sends for a short while,
  // so that closing does not reset the connection before the client has
  // read the answer. Bounded: 250 ms, 1 MiB; stop() ends it at once.
  static void linger(int fd) {
    ::shutdown(fd, SHUT_WR);
    const auto deadline = Clock::now() + std::chrono::milliseconds(250);
    std::size_t drained = 0;
    char sink[4096];
    while (drained < (1u << 20)) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return;
      }
      const ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
      if (n <= 0) {
        return;
      }
      drained += static_cast<std::size_t>(n);
    }
  }

  const HttpLimits limits_;
  Router router_;
  int listen_fd_ = -1;
  std::thread accept_thread_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a connection finished, or stopping
  bool stopping_ = false;
  std::list<Connection> connections_;
  HttpCounters counters_;
};

}  // namespace vram_only::detail
