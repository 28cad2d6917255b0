// HealthServer: a tiny HTTP endpoint for orchestrators, over a HealthMonitor.
//
//   GET /health   200 {"status":"healthy","resident":true,"vram_bytes_used":N,
//                      "last_check_secs":N,"violations":[]}
//                 503 with "status":"unhealthy" (and the violations) otherwise,
//                 so a readiness probe stops routing to the worker.
//   GET /metrics  200, Prometheus text format.
//   other methods on those paths: 405 (Allow: GET, HEAD); other paths: 404;
//   malformed requests: 400 (cpp-httplib).
//
//   vram_only::HealthServer server(monitor, {"127.0.0.1", 8080});
//   server.start();            // throws std::system_error when it cannot bind
//   ... server.port() ...      // the bound port (useful with port 0)
//   server.stop();
//
// Requests are answered from the monitor's last published state: a request
// never waits for a running sweep. Built on cpp-httplib (Debian's
// libcpp-httplib-dev; compile with the defines of its .pc file, which the
// CMake target VramOnly::health_server does) and nlohmann/json.
//
// Thread-safety: start() and stop() may be called from any thread but not
// concurrently with each other; requests are served on cpp-httplib's thread
// pool.
#pragma once

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "vram_only/health_format.hpp"
#include "vram_only/health_monitor.hpp"

namespace vram_only {

struct HealthServerOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  // 0 = any free port (see HealthServer::port())
};

class HealthServer {
 public:
  explicit HealthServer(HealthMonitor& monitor, HealthServerOptions options = {})
      : monitor_(monitor), options_(std::move(options)) {}

  ~HealthServer() { stop(); }

  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Binds and starts serving on a background thread. Throws
  // std::system_error when the address cannot be bound, std::logic_error
  // when already running.
  void start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (server_) {
      throw std::logic_error("vram-only HealthServer: already running");
    }
    auto server = std::make_unique<httplib::Server>();
    install_routes(*server);
    errno = 0;
    int port = options_.port;
    bool bound = false;
    if (options_.port == 0) {
      port = server->bind_to_any_port(options_.address);
      bound = port > 0;
    } else if (options_.port > 0 && options_.port <= 65535) {
      bound = server->bind_to_port(options_.address, options_.port);
    } else {
      errno = EINVAL;
    }
    if (!bound) {
      const int error = errno != 0 ? errno : EADDRNOTAVAIL;
      throw std::system_error(error, std::generic_category(),
                              "vram-only HealthServer: cannot listen on " + options_.address +
                                  ":" + std::to_string(options_.port));
    }
    httplib::Server* raw = server.get();
    thread_ = std::thread([raw] { raw->listen_after_bind(); });
    // Wait until the accept loop runs, so that stop() cannot race it (the
    // socket already accepts connections into its backlog meanwhile).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!raw->is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    port_ = port;
    server_ = std::move(server);
  }

  // Stops serving and joins the server thread. Idempotent.
  void stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!server_) {
      return;
    }
    server_->stop();
    if (thread_.joinable()) {
      thread_.join();
    }
    server_.reset();
    port_ = 0;
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

  // More Prometheus text appended to /metrics (e.g. the injection library's
  // allowed host bytes). Set it before start(); it is called on the
  // server's threads, must be thread-safe and end with a newline.
  void set_extra_metrics(std::function<std::string()> extra_metrics) {
    extra_metrics_ = std::move(extra_metrics);
  }

 private:
  static bool known_path(const std::string& path) {
    return path == "/health" || path == "/metrics";
  }

  void install_routes(httplib::Server& server) {
    // cpp-httplib sets SO_REUSEPORT by default, which lets a second process
    // listen on the same port and silently take half of the probes. Only
    // SO_REUSEADDR (restart while old connections linger): a port in use is
    // an error.
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
    // algorithm holds the body until the client's delayed ACK (~40 ms).
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000);
    // 405 for every method but GET and HEAD on the two known paths.
    server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (known_path(req.path) && req.method != "GET" && req.method != "HEAD") {
        res.status = 405;
        res.set_header("Allow", "GET, HEAD");
        res.set_content("{\"error\":\"method not allowed\"}", "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      const HealthStatus status = monitor_.status();
      res.status = status.healthy ? 200 : 503;
      res.set_header("Cache-Control", "no-store");
      res.set_content(health_json(status), "application/json");
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      std::string body = prometheus_metrics(monitor_.status());
      if (extra_metrics_) {
        body += extra_metrics_();
      }
      res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
    });
    // Bodies for the errors cpp-httplib produces itself (404, 400, ...).
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) {
        return;  // ours (405, 503): keep it
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

  HealthMonitor& monitor_;
  HealthServerOptions options_;
  mutable std::mutex mutex_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::function<std::string()> extra_metrics_;
};

}  // namespace vram_only
