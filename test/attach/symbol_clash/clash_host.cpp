// clash_host LIBRARY ENTRY LOG: a host program linked to a library that
// exports cpp-httplib's names (host_httplib.cpp), and that uses std::regex
// (so it copy-relocates libstdc++'s typeinfo, as llama-bench does). It loads
// LIBRARY as the CUDA driver would (dlopen RTLD_NOW | RTLD_LOCAL), calls
// ENTRY with --health on port 0 and an invalid VRAM_ONLY_ON_VIOLATION (so the
// process is unhealthy with a known reason, without CUPTI), with stderr in
// LOG; reads the port from the log line, sends GET /health and prints the
// whole response on stdout. Exits 0 when it got a response; 70 to 72 when
// the host's httplib functions ran instead of the library's own.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

#include "../run_command.hpp"

extern "C" void vram_only_host_httplib_linked();

namespace {

int fail(const std::string& message) {
  std::fprintf(stdout, "clash_host: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fail("usage: clash_host LIBRARY ENTRY LOG");
  vram_only_host_httplib_linked();
  setenv("VRAM_ONLY_HEALTH", "127.0.0.1:0", 1);
  setenv("VRAM_ONLY_ON_VIOLATION", "bogus", 1);
  const std::string log = argv[3];
  if (std::freopen(log.c_str(), "w", stderr) == nullptr) return fail("cannot write " + log);

  void* library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return fail(std::string("dlopen: ") + dlerror());
  auto entry = reinterpret_cast<int (*)()>(dlsym(library, argv[2]));
  if (entry == nullptr) return fail(std::string("no ") + argv[2]);
  entry();
  std::fflush(stderr);

  std::smatch match;
  const std::string logged = vram_only::attach::testing::read_text(log);
  if (!std::regex_search(logged, match, std::regex("serving /health and /metrics on http://127\\.0\\.0\\.1:([0-9]+)"))) {
    return fail("no port in the log: " + logged);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(match[1])));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return fail("cannot connect");
  const std::string request = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return fail("cannot send");
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  std::fputs(response.c_str(), stdout);
  return response.empty() ? fail("no response") : 0;
}
