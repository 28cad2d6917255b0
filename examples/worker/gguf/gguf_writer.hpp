// Writes GGUF v3 files: metadata in insertion order, tensor infos, then the
// data section with every tensor aligned to general.alignment (32 unless the
// metadata sets it). The counterpart of File; cross-checked against gguf-py.
// It holds the whole file in memory: meant for fixtures and small models.
#pragma once

#include "gguf/gguf_error.hpp"
#include "gguf/gguf_types.hpp"
#include "gguf/gguf_file.hpp"
#include "gguf/gguf_value.hpp"

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace worker::gguf {

class Writer {
public:
  // Adds a metadata entry. Throws Error(DuplicateKey) for a key already added,
  // Error(InvalidAlignment) for a general.alignment that is not a uint32
  // power of two, and Error(InvalidArgument) for an empty key or an array
  // whose items do not all have its element type.
  void add_metadata(const std::string &key, Value value);

  // Adds a tensor. `dims` in GGUF order (dims[0] fastest). `data` must hold
  // exactly the bytes the type and shape need.
  void add_tensor(const std::string &name, TensorType type, std::vector<uint64_t> dims,
                  std::vector<uint8_t> data);

  struct TensorRecord {
    std::string name;
    TensorType type;
    std::vector<uint64_t> dims;
    std::vector<uint8_t> data;
    uint64_t offset; // from the start of the data section
  };

  uint32_t alignment() const { return alignment_; }
  const std::vector<MetadataEntry> &metadata() const { return metadata_; }
  const std::vector<TensorRecord> &tensors() const { return tensors_; }
  // Absolute offset of the data section in the written file.
  uint64_t data_offset() const;

  // Writes the file. Throws Error(Io) when the file cannot be written.
  void write(const std::string &path) const;
  // The file's bytes, for tests.
  std::vector<uint8_t> to_bytes() const;

private:
  std::vector<MetadataEntry> metadata_;
  std::unordered_set<std::string> keys_;
  std::vector<TensorRecord> tensors_;
  std::unordered_set<std::string> tensor_names_;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_size_ = 0;
};

} // namespace worker::gguf
