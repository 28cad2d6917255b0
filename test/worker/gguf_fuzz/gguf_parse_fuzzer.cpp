// libFuzzer target for the GGUF reader: any bytes either parse into a File
// whose every tensor lies inside the input, or end in a gguf::Error with a
// message free of control bytes. Anything else -- a crash, a sanitizer
// report, another exception, an allocation beyond -malloc_limit_mb -- is a
// finding. Built with clang++-19 -fsanitize=fuzzer,address,undefined by
// test/worker/CMakeLists.txt and run for a bounded time by the test
// worker.gguf_parse_fuzzer over the committed seed corpus (corpus/, written
// with the project's gguf::Writer and test/worker/raw_gguf.hpp: a minimal
// file, a version-2 file, every value type with nested arrays and two tensor
// types at alignment 64, and a small vocabulary with qwen2 keys).
#include "gguf/gguf_file.hpp"
#include "gguf/printable.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

namespace {

void require(bool ok) {
  if (!ok) {
    std::abort();
  }
}

bool has_control_bytes(const std::string &text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace worker::gguf;
  std::istringstream in(std::string(reinterpret_cast<const char *>(data), size));
  try {
    const File file = File::parse(in, size, "fuzz");
    for (const MetadataEntry &entry : file.metadata()) {
      require(!has_control_bytes(printable(entry.key)));
      require(!has_control_bytes(describe(entry.value)));
      require(file.find(entry.key) == &entry.value);
    }
    for (const TensorInfo &t : file.tensors()) {
      require(t.file_offset >= file.data_offset());
      require(t.file_offset + t.n_bytes <= size);
      require(file.find_tensor(t.name) == &t);
    }
  } catch (const Error &e) {
    require(!has_control_bytes(e.what()));
  }
  return 0;
}
