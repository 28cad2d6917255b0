// HealthServer: a tiny HTTP endpoint for orchestrators, over a HealthMonitor.
//
//   GET /health   200 {"status":"healthy","resident":true,"vram_bytes_used":N,
//                      "last_check_secs":N,"violations":[]}
//                 503 with "status":"unhealthy" (and the violations) otherwise,
//                 so a readiness probe stops routing to the worker.
//                 A client off the loopback interface gets violations
//                 without pointers and library offsets unless
//                 options.detail says otherwise (health_detail.hpp).
//   GET /metrics  200, Prometheus text format (the monitor's metrics, then
//                 the endpoint's own: bounds and connections; then
//                 options.extra_metrics).
//   other methods on those paths: 405 (Allow: GET, HEAD); other paths: 404;
//   a declared body over max_request_bytes, or of unknown length
//   (Transfer-Encoding): 413, the body unread; malformed or oversized
//   request line and headers: 400.
//
//   vram_only::HealthServer server(monitor, {"127.0.0.1", 8080});
//   server.start();            // throws std::system_error saying why it cannot listen
//   ... server.port() ...      // the bound port (useful with port 0)
//   server.stop();
//
//   if (auto started = server.try_start(); !started) {   // the same, without throwing
//     ... started.error == std::errc::address_in_use ..., started.message ...
//   }
//
// When start() returns, the socket listens and is being served; otherwise
// it says why not: the errno of the step that failed (bind: address in
// use, permission denied, address not available; listen; socket), or a bad
// address or port (std::errc::invalid_argument, with the resolver's reason).
//
// Under real traffic (details in detail/bounded_http_server.hpp): at most
// max_connections connections at once, and when all are taken a new one
// takes the place of the connection that has waited longest for request
// bytes, so a probe is answered while slow or idle clients hold every slot;
// a request must arrive and be answered within request_timeout of its first
// byte; idle keep-alive connections are closed after idle_timeout; at most
// max_request_bytes are read for a request; backlog listen_backlog. stop()
// returns within about 100 ms whatever clients do (it shuts their sockets
// down; the handlers never wait for a sweep).
//
// Requests are answered from the monitor's last published state: a request
// never waits for a running sweep. Built on cpp-httplib (Debian's
// libcpp-httplib-dev 0.11; compile with the defines of its .pc file, which
// the CMake target VramOnly::health_server does) for parsing, routing and
// writing responses, and nlohmann/json. The sockets and threads are this
// runtime's own (cpp-httplib 0.11's listen loop has a fixed pool of 8
// threads, no deadline for a request and a backlog of 5, all compiled into
// the shared library); a dedicated server library (e.g. Boost.Beast) would
// do it too, but is a much larger dependency for two GET routes.
//
// Lifetime: the server holds the monitor by reference. The monitor should
// outlive the server; if it is destroyed first, its destructor stops the
// server (and waits for requests in flight), and start() then throws
// std::logic_error. Destroying the two concurrently is not supported.
//
// Thread-safety: all member functions may be called from any thread;
// start() and stop() are serialized. Requests are served on the server's
// own threads.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "vram_only/detail/bounded_http_server.hpp"
#include "vram_only/detail/listen_socket.hpp"
#include "vram_only/health_detail.hpp"
#include "vram_only/health_format.hpp"
#include "vram_only/health_monitor.hpp"

namespace vram_only {

// A /health answer made by someone other than the monitor (a group of
// processes' aggregate view): 200 when healthy, else 503, with `body`.
struct HealthAnswer {
  bool healthy = false;
  std::string body;
};

struct HealthServerOptions {
  std::string address = "127.0.0.1";  // numeric, a host name, or "" for every interface
  int port = 8080;                     // 0 = any free port (see HealthServer::port())
  // Optional: more Prometheus text appended to /metrics (e.g. the injection
  // library's allowed host bytes). Called on the server's threads; must be
  // thread-safe and end with a newline.
  std::function<std::string()> extra_metrics = nullptr;
  // Which clients get violations with pointers and library offsets.
  HealthDetail detail = HealthDetail::Local;
  // Optional: answers /health instead of the monitor (called with whether
  // the client gets the full detail). Called on the server's threads; must
  // be thread-safe.
  std::function<HealthAnswer(bool full_detail)> health = nullptr;
  // Connections served at once (each has a thread); when all are taken, the
  // one that has waited longest for request bytes makes room for a new one.
  std::size_t max_connections = 64;
  // A request must arrive and be answered within this time of its first byte.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(5)};
  // An open connection waits this long for (the first byte of) its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(5)};
  // Bytes read for one request (line and headers); a declared body larger
  // than this is answered 413 without being read.
  std::size_t max_request_bytes = 8192;
  int listen_backlog = SOMAXCONN;
};

// What try_start() did.
struct HealthServerStart {
  std::error_code error;  // empty: listening and serving
  std::string message;    // why not: "vram-only HealthServer: cannot listen on ...: bind ...: Address already in use"

  explicit operator bool() const noexcept { return !error; }
};

class HealthServer {
 public:
  explicit HealthServer(HealthMonitor& monitor, HealthServerOptions options = {})
      : monitor_(monitor), options_(std::move(options)) {
    destroy_hook_ = monitor_.add_destroy_hook([this] { monitor_destroyed(); });
  }

  ~HealthServer() {
    stop();
    std::lock_guard<std::mutex> lock(mutex_);
    if (!monitor_gone_) {
      monitor_.remove_destroy_hook(destroy_hook_);
    }
  }

  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Listens and starts serving; when it returns, requests are being
  // answered. Throws std::system_error saying why it cannot listen (see
  // try_start()), std::logic_error when already running or when the
  // monitor was destroyed.
  void start() {
    Failure failure = start_serving();
    if (failure.error) {
      // what(): the context, ": ", then the error's own message.
      throw std::system_error(failure.error, failure.context);
    }
  }

  // start() without the std::system_error: the error and a message
  // ("vram-only HealthServer: cannot listen on 127.0.0.1:8080: bind
  // 127.0.0.1:8080: Address already in use"). Still throws
  // std::logic_error for the programming errors above.
  HealthServerStart try_start() {
    Failure failure = start_serving();
    if (!failure.error) {
      return {};
    }
    return {failure.error, failure.context + ": " + failure.error.message()};
  }

  // Stops serving: closes the listening socket and every connection, and
  // joins the server's threads (within about 100 ms, whatever clients do).
  // Idempotent.
  void stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_locked();
  }

  bool running() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return server_ != nullptr;
  }

  // The port being served (resolves port 0); 0 when not running.
  int port() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return port_;
  }

  const HealthServerOptions& options() const noexcept { return options_; }

 private:
  struct Failure {
    std::error_code error;  // empty: serving
    std::string context;    // "vram-only HealthServer: cannot listen on A:P: bind A:P"
  };

  Failure start_serving() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (monitor_gone_) {
      throw std::logic_error("vram-only HealthServer: its HealthMonitor was destroyed");
    }
    if (server_) {
      throw std::logic_error("vram-only HealthServer: already running");
    }
    const std::string prefix =
        "vram-only HealthServer: cannot listen on " + options_.address + ":" + std::to_string(options_.port);
    if (const char* bad = invalid_option()) {
      return {std::make_error_code(std::errc::invalid_argument), prefix + ": " + bad};
    }
    detail::ListenSocket socket =
        detail::open_listen_socket(options_.address, options_.port, options_.listen_backlog);
    if (!socket.ok()) {
      return {socket.error, prefix + ": " + socket.what};
    }
    auto server = std::make_unique<detail::BoundedHttpServer>(detail::HttpLimits{
        options_.max_connections, options_.request_timeout, options_.idle_timeout,
        options_.max_request_bytes});
    install_routes(*server);
    try {
      server->start(socket.fd);
    } catch (const std::system_error& e) {
      return {e.code(), prefix + ": cannot start the server thread"};
    }
    port_ = socket.port;
    server_ = std::move(server);
    return {};
  }

  static bool known_path(const std::string& path) {
    return path == "/health" || path == "/metrics";
  }

  const char* invalid_option() const {
    if (options_.max_connections == 0) {
      return "max_connections must be at least 1";
    }
    if (options_.request_timeout.count() <= 0 || options_.idle_timeout.count() <= 0) {
      return "request_timeout and idle_timeout must be positive";
    }
    if (options_.max_request_bytes < 256) {
      return "max_request_bytes must be at least 256";
    }
    if (options_.listen_backlog < 1) {
      return "listen_backlog must be at least 1";
    }
    return nullptr;
  }

  void stop_locked() {
    if (!server_) {
      return;
    }
    server_->stop();
    server_.reset();
    port_ = 0;
  }

  // ~HealthMonitor, on the destroying thread: requests must stop reading it.
  void monitor_destroyed() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_locked();
    monitor_gone_ = true;
  }

  // A body the routes will not read: too large, or of unknown length.
  bool too_large(const httplib::Request& req) const {
    if (req.has_header("Transfer-Encoding")) {
      return true;
    }
    if (!req.has_header("Content-Length")) {
      return false;
    }
    const std::string value = req.get_header_value("Content-Length");
    std::uint64_t length = 0;
    for (const char c : value) {
      if (c < '0' || c > '9' || length > (UINT64_MAX - 9) / 10) {
        return true;  // not a length we can honour
      }
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value.empty() || length > options_.max_request_bytes;
  }

  void reject_too_large(httplib::Response& res) {
    too_large_.fetch_add(1, std::memory_order_relaxed);
    res.status = 413;
    res.set_header("Connection", "close");
    res.set_content("{\"error\":\"request too large\"}", "application/json");
  }

  void install_routes(detail::BoundedHttpServer& bounded) {
    httplib::Server& server = bounded.routes();
    using Handled = httplib::Server::HandlerResponse;
    // Every request that is not GET or HEAD on a known path is answered
    // here, before cpp-httplib would read its body.
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (too_large(req)) {
        reject_too_large(res);
        return Handled::Handled;
      }
      if (req.method == "GET" || req.method == "HEAD") {
        return Handled::Unhandled;
      }
      if (known_path(req.path)) {
        res.status = 405;
        res.set_header("Allow", "GET, HEAD");
        res.set_content("{\"error\":\"method not allowed\"}", "application/json");
      } else {
        res.status = 404;
        res.set_content("{\"error\":\"not found\"}", "application/json");
      }
      return Handled::Handled;
    });
    // "Expect: 100-continue" (curl sends it for large bodies): refuse the
    // body before it is sent.
    server.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (too_large(req)) {
        reject_too_large(res);
        return 413;
      }
      return 100;
    });
    server.Get("/health", [this](const httplib::Request& req, httplib::Response& res) {
      const bool full = full_detail_for(options_.detail, req.remote_addr);
      HealthAnswer answer;
      if (options_.health) {
        answer = options_.health(full);
      } else {
        const HealthStatus status = monitor_.status();
        answer = {status.healthy, health_json(status, full)};
      }
      res.status = answer.healthy ? 200 : 503;
      res.set_header("Cache-Control", "no-store");
      res.set_content(answer.body, "application/json");
    });
    detail::BoundedHttpServer* transport = &bounded;  // lives as long as these routes
    server.Get("/metrics", [this, transport](const httplib::Request&, httplib::Response& res) {
      const HealthStatus status = monitor_.status();
      res.set_header("Cache-Control", "no-store");
      std::string body = prometheus_metrics(status) + endpoint_metrics(status, transport->counters());
      if (options_.extra_metrics) {
        body += options_.extra_metrics();
      }
      res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
    });
    // Bodies for the errors cpp-httplib produces itself (404, 400, ...).
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) {
        return;  // ours (405, 413, 503): keep it
      }
      const char* error = res.status == 404 ? "not found" : "bad request";
      res.set_content(std::string("{\"error\":\"") + error + "\"}", "application/json");
    });
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          res.status = 500;
          res.set_content("{\"error\":\"internal error\"}", "application/json");
        });
  }

  // The monitor's bounds and the endpoint's connections, after the
  // monitor's metrics in /metrics.
  std::string endpoint_metrics(const HealthStatus& s, const detail::HttpCounters& http) const {
    std::string out;
    const auto metric = [&out](const char* name, const char* type, const char* help,
                               std::uint64_t value) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
             name + " " + std::to_string(value) + "\n";
    };
    metric("vram_only_violations_unlisted", "gauge",
           "Violations since the last reset that /health does not list (it lists the first ones).",
           s.violations_unlisted);
    metric("vram_only_violations_dropped_total", "counter",
           "Violations found while the monitor's set of known violations was full: counted each "
           "time found, not logged, called back or listed one by one.",
           s.violations_dropped);
    metric("vram_only_http_connections", "gauge", "Open connections to the health endpoint.",
           http.open);
    metric("vram_only_http_connections_total", "counter",
           "Connections accepted by the health endpoint.", http.accepted);
    metric("vram_only_http_connections_evicted_total", "counter",
           "Connections closed to make room for a new one (all slots were taken).", http.evicted);
    metric("vram_only_http_requests_timed_out_total", "counter",
           "Requests that did not arrive or could not be answered within request_timeout.",
           http.timed_out);
    metric("vram_only_http_requests_too_large_total", "counter",
           "Requests over max_request_bytes (413, or 400 for oversized headers).",
           http.too_large + too_large_.load(std::memory_order_relaxed));
    return out;
  }

  HealthMonitor& monitor_;
  const HealthServerOptions options_;
  std::uint64_t destroy_hook_ = 0;
  mutable std::mutex mutex_;  // start / stop
  std::unique_ptr<detail::BoundedHttpServer> server_;
  int port_ = 0;
  bool monitor_gone_ = false;
  std::atomic<std::uint64_t> too_large_{0};
};

}  // namespace vram_only
