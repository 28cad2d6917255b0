// A stand-in for a host program's own cpp-httplib (llama.cpp's
// libllama-common.so exports cpp-httplib 0.58 with default visibility):
// functions with the exact names and signatures of cpp-httplib's, each of
// which stops the process with a status of its own. A library built against
// Debian's shared libcpp-httplib.so runs these instead of its own: the
// Server constructor it calls, and the two that libcpp-httplib.so calls
// into itself while serving a request (measured with that build).
#include <unistd.h>

#include <cstdio>
#include <string>

namespace httplib {

class Server {
 public:
  Server();
};

Server::Server() {
  std::fprintf(stderr, "the host program's httplib::Server::Server ran\n");
  _exit(72);
}

}  // namespace httplib

namespace httplib::detail {

std::string decode_url(const std::string&, bool) {
  std::fprintf(stderr, "the host program's httplib::detail::decode_url ran\n");
  _exit(70);
}

bool is_socket_alive(int) {
  std::fprintf(stderr, "the host program's httplib::detail::is_socket_alive ran\n");
  _exit(71);
}

}  // namespace httplib::detail

// Referenced by the host so that the linker keeps this library.
extern "C" void vram_only_host_httplib_linked() {}
