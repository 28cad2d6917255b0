// gguf-dump: prints what this project's GGUF reader sees in a file: the
// header, every metadata entry and every tensor (name, type, shape, offset).
// Exit status 0, or 3 with the reader's error on stderr for a bad file.
//
//   gguf-dump FILE.gguf            human-readable listing
//   gguf-dump --json [--data] FILE JSON (schema in gguf/gguf_json.hpp); --data
//                                  adds every tensor's bytes as hex
#include "gguf/gguf_file.hpp"
#include "gguf/gguf_json.hpp"
#include "gguf/printable.hpp"

#include <iostream>
#include <string>

namespace {

void print_text(const worker::gguf::File &file) {
  std::cout << worker::gguf::printable(file.source()) << ": GGUF v" << file.version() << ", " << file.metadata().size()
            << " metadata entries, " << file.tensors().size() << " tensors, alignment "
            << file.alignment() << ", data at offset " << file.data_offset() << "\n";
  for (const auto &entry : file.metadata()) {
    std::string text = worker::gguf::describe(entry.value);
    if (text.size() > 120) {
      text = worker::gguf::printable(text.substr(0, 117)) + "..."; // no split UTF-8
    }
    std::cout << "  " << worker::gguf::printable(entry.key) << " = " << text << "\n";
  }
  for (const auto &t : file.tensors()) {
    std::cout << "  tensor " << worker::gguf::printable(t.name) << " " << t.type_name() << " " << t.shape_string() << " "
              << t.n_bytes << " bytes at " << t.file_offset << "\n";
  }
}

} // namespace

int main(int argc, char **argv) {
  bool json = false, data = false;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--data") {
      data = true;
    } else if (arg == "-h" || arg == "--help" || (!arg.empty() && arg[0] == '-') || !path.empty()) {
      std::cerr << "usage: gguf-dump [--json [--data]] FILE.gguf\n";
      return arg == "-h" || arg == "--help" ? 0 : 2;
    } else {
      path = arg;
    }
  }
  if (path.empty()) {
    std::cerr << "usage: gguf-dump [--json [--data]] FILE.gguf\n";
    return 2;
  }
  try {
    const auto file = worker::gguf::File::open(path);
    if (json) {
      std::cout << worker::gguf::file_to_json(file, data).dump(-1, ' ', false,
                                                              nlohmann::json::error_handler_t::replace)
                << "\n";
    } else {
      print_text(file);
    }
  } catch (const worker::gguf::Error &e) {
    std::cerr << "gguf-dump: " << e.what() << " [" << worker::gguf::to_string(e.kind()) << "]\n";
    return 3;
  }
  return 0;
}
