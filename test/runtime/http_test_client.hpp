// Raw HTTP over loopback for the HealthServer tests: requests written byte
// for byte, answers read with a deadline, and the process's resident memory.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>

namespace vram_only::testing {

// A connected loopback socket whose reads and writes give up after `timeout`;
// -1 when the connection failed.
inline int connect_loopback(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// True once `answer` holds a status line, headers and Content-Length bytes of body.
inline bool response_complete(const std::string& answer) {
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

// One complete response, or whatever came before the connection closed or
// the socket's read timeout passed.
inline std::string read_response(int fd) {
  std::string answer;
  char buffer[4096];
  while (!response_complete(answer)) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      break;
    }
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  return answer;
}

// Sends raw bytes on a new connection and returns the server's answer.
inline std::string raw_request(int port, const std::string& bytes) {
  const int fd = connect_loopback(port);
  if (fd < 0) {
    return "connect failed";
  }
  // No half-close: the server would see the end of the stream.
  send_all(fd, bytes);
  std::string answer = read_response(fd);
  ::close(fd);
  return answer;
}

// The status code of a response ("HTTP/1.1 200 OK..."); 0 if none.
inline int status_of(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) {
    return 0;
  }
  return std::stoi(answer.substr(9, 3));
}

struct Probe {
  int status = 0;  // 0: no answer
  std::chrono::milliseconds took{0};
};

// What an orchestrator's probe does: a new connection, one GET, its status.
inline Probe probe(int port, const std::string& path = "/health") {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string answer =
      raw_request(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  Probe p;
  p.status = status_of(answer);
  p.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  return p;
}

// The value of an unlabelled sample in /metrics; -1 if absent.
inline long long metric(int port, const std::string& name) {
  const std::string answer =
      raw_request(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  const auto at = answer.find("\n" + name + " ");
  if (at == std::string::npos) {
    return -1;
  }
  return std::stoll(answer.substr(at + name.size() + 2));
}

// Resident memory of this process, in bytes.
inline std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total_pages = 0;
  std::size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace vram_only::testing
