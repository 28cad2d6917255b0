// A listening TCP socket whose failure says exactly which step failed and
// why: the address did not resolve, the port is out of range, or socket(),
// bind() or listen() failed. errno is read right after the call that set it,
// before anything else can overwrite it. The HTTP transport of HealthServer.
//
//   detail::ListenSocket s = detail::open_listen_socket("127.0.0.1", 0, SOMAXCONN);
//   if (!s.ok()) { ... s.error (std::errc::address_in_use, ...), s.what ("bind 127.0.0.1:8080") }
//   ... s.fd, s.port ...        // the caller owns s.fd (close() it)
#pragma once

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <system_error>

namespace vram_only::detail {

struct ListenSocket {
  int fd = -1;            // listening socket (close-on-exec); -1 on failure
  int port = 0;           // the bound port (resolves port 0)
  std::error_code error;  // empty on success
  std::string what;       // on failure, the step: "bind 127.0.0.1:8080" (error says why)

  bool ok() const noexcept { return fd >= 0; }
};

// "127.0.0.1:80" or "[::1]:80" for a resolved address.
inline std::string numeric_endpoint(const sockaddr* address, socklen_t length) {
  char host[NI_MAXHOST] = "?";
  char service[NI_MAXSERV] = "?";
  ::getnameinfo(address, length, host, sizeof host, service, sizeof service,
                NI_NUMERICHOST | NI_NUMERICSERV);
  const std::string h(host);
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + service;
}

// Resolves `address` (numeric, a host name such as "localhost", or "" for
// every interface) and listens on the first of its addresses that can be
// bound. When none can, the error is the first address's.
inline ListenSocket open_listen_socket(const std::string& address, int port, int backlog) {
  ListenSocket result;
  const auto fail = [&result](std::error_code code, std::string what) {
    result.error = code;
    result.what = std::move(what);
    return result;
  };
  const std::string endpoint = address + ":" + std::to_string(port);
  if (port < 0 || port > 65535) {
    return fail(std::make_error_code(std::errc::invalid_argument),
                "bad port " + std::to_string(port) + " (0-65535; 0 = any free port)");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int resolved = ::getaddrinfo(address.empty() ? nullptr : address.c_str(),
                                     std::to_string(port).c_str(), &hints, &found);
  if (resolved != 0) {
    const int saved = errno;
    const std::error_code code =
        resolved == EAI_SYSTEM ? std::error_code(saved, std::generic_category())
                               : std::make_error_code(std::errc::invalid_argument);
    return fail(code, "bad address \"" + address + "\" (" + ::gai_strerror(resolved) + ")");
  }
  const std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, ::freeaddrinfo);
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const std::string where = numeric_endpoint(ai->ai_addr, ai->ai_addrlen);
    const auto step_failed = [&](const char* step, int error, int fd) {
      if (fd >= 0) {
        ::close(fd);
      }
      if (!result.error) {
        fail(std::error_code(error, std::generic_category()), std::string(step) + " " + where);
      }
    };
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      step_failed("socket", errno, -1);
      continue;
    }
    // SO_REUSEADDR only (restarts while old connections linger). Not
    // SO_REUSEPORT: a second process could then share the port and silently
    // take half of the probes; a port in use must be an error.
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      step_failed("bind", errno, fd);
      continue;
    }
    if (::listen(fd, backlog) != 0) {
      step_failed("listen", errno, fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
      step_failed("getsockname", errno, fd);
      continue;
    }
    result.port = bound.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                      : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    result.fd = fd;
    result.error.clear();
    result.what.clear();
    return result;
  }
  if (!result.error) {
    return fail(std::make_error_code(std::errc::address_not_available),
                "no address to listen on for " + endpoint);
  }
  return result;
}

}  // namespace vram_only::detail
