// JSON views of GGUF contents, one schema for a parsed File and for what a
// Writer is about to write (the "manifest" that tests compare with other
// readers):
//   {"version": 3, "alignment": 32, "data_offset": N,
//    "metadata": [{"key": K, "type": "uint32", "value": 7},
//                 {"key": K, "type": "array", "element_type": "string", "value": [...]}],
//    "tensors":  [{"name": N, "type": "F16", "dims": [64, 259], "offset": O,
//                  "n_bytes": B, "data_hex": "..."}]}
// Nested arrays appear as {"element_type": T, "value": [...]} items.
// data_hex (the tensor's bytes) is present only when asked for.
#pragma once

#include "gguf/gguf_file.hpp"
#include "gguf/gguf_writer.hpp"

#include <nlohmann/json.hpp>

namespace worker::gguf {

nlohmann::json value_to_json(const Value &value);
nlohmann::json file_to_json(const File &file, bool with_data);
nlohmann::json writer_to_json(const Writer &writer, bool with_data);

} // namespace worker::gguf
