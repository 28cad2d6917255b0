// A parsed GGUF file: header, metadata, tensor infos and the data section's
// layout. Parsing reads the file through std::ifstream (ordinary pageable
// memory); tensor data stays in the file until read_tensor_data() copies it.
//
// Every structure is bounds-checked against the file size before anything is
// allocated for it, so a damaged or hostile file ends in a gguf::Error that
// names the item and byte offset, never in a crash or a huge allocation.
//
// Thread-safety: a File is immutable after parsing; read_tensor_data() opens
// its own stream per call, so concurrent calls are safe.
#pragma once

#include "gguf/gguf_error.hpp"
#include "gguf/gguf_types.hpp"
#include "gguf/gguf_value.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace worker::gguf {

// Limits of this reader (beyond what the format itself imposes).
inline constexpr uint32_t kMaxArrayNesting = 8; // arrays of arrays of ...
inline constexpr uint64_t kMaxKeyBytes = 65535; // the GGUF spec's key limit
// The parsed header (metadata, tensor infos and their indexes) may take at
// most kHeaderMemoryAllowance + kHeaderMemoryFactor x the bytes it takes in
// the file; a file whose header would need more is refused (LimitExceeded)
// before the allocation. Every array item is a Value of sizeof(Value) (40)
// bytes, so an array of one-byte scalars needs 40x its size: beyond the
// allowance such arrays are refused, the arrays real models carry
// (vocabularies: strings, int32 and float32) are well within it.
inline constexpr uint64_t kHeaderMemoryFactor = 8;
inline constexpr uint64_t kHeaderMemoryAllowance = uint64_t{64} << 20; // 64 MiB

struct MetadataEntry {
  std::string key;
  Value value;
};

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> dims; // GGUF order: dims[0] is the fastest-varying (ggml ne[0])
  uint32_t type_id = 0;       // a known ggml_type id (see tensor_type_traits)
  uint64_t offset = 0;        // from the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  uint64_t file_offset = 0;   // absolute offset of the first byte in the file

  TensorType type() const { return static_cast<TensorType>(type_id); }
  std::string type_name() const { return tensor_type_name(type_id); }
  // "[64, 259]"
  std::string shape_string() const;
};

class File {
public:
  // Parses the file at `path`. Throws gguf::Error.
  static File open(const std::string &path);
  // Parses `size` bytes from `in`; `source` names the input in messages.
  static File parse(std::istream &in, uint64_t size, const std::string &source);

  const std::string &source() const { return source_; }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return file_size_; }
  uint32_t alignment() const { return alignment_; }
  // Absolute offset of the data section (end of the tensor infos, aligned).
  uint64_t data_offset() const { return data_offset_; }

  const std::vector<MetadataEntry> &metadata() const { return metadata_; }
  const Value *find(std::string_view key) const;

  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  const TensorInfo *find_tensor(std::string_view name) const;
  uint64_t total_tensor_bytes() const;
  // The reader's estimate of the heap the parsed header takes (what the
  // kHeaderMemory* limits are checked against).
  uint64_t header_memory_bytes() const { return header_memory_bytes_; }

  // Copies a tensor's bytes from the file (opened again by path) into `dst`
  // (`dst_bytes` must equal tensor.n_bytes). Only for files made by open().
  void read_tensor_data(const TensorInfo &tensor, void *dst, uint64_t dst_bytes) const;
  std::vector<uint8_t> read_tensor_data(const TensorInfo &tensor) const;

private:
  friend class Parser;
  std::string source_;
  bool from_path_ = false;
  uint32_t version_ = 0;
  uint64_t file_size_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  uint64_t header_memory_bytes_ = 0;
  std::vector<MetadataEntry> metadata_;
  std::unordered_map<std::string, size_t> metadata_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

// True if `bytes` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool is_valid_utf8(std::string_view bytes) noexcept;

} // namespace worker::gguf
