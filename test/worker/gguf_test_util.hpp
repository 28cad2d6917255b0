// Helpers for the GGUF tests: parse bytes from memory, write temporary files.
#pragma once

#include "gguf/gguf_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace worker::test {

inline gguf::File parse_bytes(const std::vector<uint8_t> &bytes, const std::string &source = "mem") {
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  return gguf::File::parse(in, bytes.size(), source);
}

// Parses and expects a gguf::Error; returns it (kind + message).
inline gguf::Error parse_error(const std::vector<uint8_t> &bytes) {
  try {
    parse_bytes(bytes);
  } catch (const gguf::Error &e) {
    return e;
  }
  ADD_FAILURE() << "parsing succeeded, an error was expected";
  return gguf::Error(gguf::ErrorKind::Io, "(no error)");
}

// A file in the test's temporary directory, removed at destruction.
class TempFile {
public:
  explicit TempFile(const std::string &suffix) {
    const char *dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir ? dir : "/tmp") + "/vram-only-test-XXXXXX" + suffix;
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const int fd = mkstemps(buf.data(), static_cast<int>(suffix.size()));
    if (fd < 0) {
      throw std::runtime_error("mkstemps failed");
    }
    close(fd);
    path_ = buf.data();
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;

  const std::string &path() const { return path_; }
  void write(const std::vector<uint8_t> &bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }

private:
  std::string path_;
};

} // namespace worker::test
