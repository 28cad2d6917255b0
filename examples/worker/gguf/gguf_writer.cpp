#include "gguf/gguf_writer.hpp"
#include "gguf/gguf_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace worker::gguf {

namespace {

class ByteSink {
public:
  explicit ByteSink(std::vector<uint8_t> &out) : out_(out) {}

  template <typename T> void le(T value) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    // The host is little-endian (x86-64, aarch64); GGUF v3 default is too.
    static_assert(sizeof(T) <= 8);
    out_.insert(out_.end(), raw, raw + sizeof(T));
  }
  void bytes(const void *p, size_t n) {
    auto b = static_cast<const uint8_t *>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void string(const std::string &s) {
    le<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void zeros(size_t n) { out_.insert(out_.end(), n, uint8_t{0}); }
  size_t size() const { return out_.size(); }

  void value(const Value &v) {
    std::visit(
        [this](const auto &x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            string(x);
          } else if constexpr (std::is_same_v<T, Array>) {
            le<uint32_t>(static_cast<uint32_t>(x.element_type));
            le<uint64_t>(x.items.size());
            for (const auto &item : x.items) {
              value(item);
            }
          } else if constexpr (std::is_same_v<T, bool>) {
            le<uint8_t>(x ? 1 : 0);
          } else {
            le<T>(x);
          }
        },
        v.storage());
  }

private:
  std::vector<uint8_t> &out_;
};

void check_array(const std::string &key, const Value &v, uint32_t depth) {
  const Array *a = v.as_array();
  if (a == nullptr) {
    return;
  }
  if (depth >= kMaxArrayNesting) {
    throw Error(ErrorKind::LimitExceeded,
                "metadata " + key + ": arrays nested deeper than " +
                    std::to_string(kMaxArrayNesting) + " levels");
  }
  for (size_t i = 0; i < a->items.size(); ++i) {
    if (a->items[i].type() != a->element_type) {
      throw Error(ErrorKind::InvalidArgument,
                  "metadata " + key + ": item " + std::to_string(i) + " has type " +
                      value_type_name(a->items[i].type()) + ", the array holds " +
                      value_type_name(a->element_type));
    }
    check_array(key, a->items[i], depth + 1);
  }
}

uint64_t align_up(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

} // namespace

void Writer::add_metadata(const std::string &key, Value value) {
  if (key.empty() || key.size() > kMaxKeyBytes || !is_valid_utf8(key)) {
    throw Error(ErrorKind::InvalidArgument, "metadata key '" + key + "' is empty, too long or not UTF-8");
  }
  if (keys_.count(key) != 0) {
    throw Error(ErrorKind::DuplicateKey, "duplicate metadata key '" + key + "'");
  }
  check_array(key, value, 0);
  if (key == kAlignmentKey) {
    if (value.type() != ValueType::UInt32) {
      throw Error(ErrorKind::InvalidAlignment,
                  std::string(kAlignmentKey) + " must be a uint32, got " +
                      value_type_name(value.type()));
    }
    const uint32_t alignment = std::get<uint32_t>(value.storage());
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      throw Error(ErrorKind::InvalidAlignment, std::string(kAlignmentKey) + " is " +
                                                   std::to_string(alignment) +
                                                   ", not a non-zero power of two");
    }
    if (!tensors_.empty()) {
      throw Error(ErrorKind::InvalidArgument,
                  std::string(kAlignmentKey) + " must be set before the first tensor is added");
    }
    alignment_ = alignment;
  }
  keys_.insert(key);
  metadata_.push_back(MetadataEntry{key, std::move(value)});
}

void Writer::add_tensor(const std::string &name, TensorType type, std::vector<uint64_t> dims,
                        std::vector<uint8_t> data) {
  if (name.empty() || name.size() > kMaxTensorNameBytes || !is_valid_utf8(name)) {
    throw Error(ErrorKind::InvalidArgument, "tensor name '" + name + "' is empty, longer than " +
                                                std::to_string(kMaxTensorNameBytes) +
                                                " bytes or not UTF-8");
  }
  if (tensor_names_.count(name) != 0) {
    throw Error(ErrorKind::DuplicateTensor, "duplicate tensor name '" + name + "'");
  }
  const auto traits = tensor_type_traits(static_cast<uint32_t>(type));
  if (!traits) {
    throw Error(ErrorKind::UnsupportedTensorType,
                "tensor '" + name + "': unknown type " + std::to_string(static_cast<uint32_t>(type)));
  }
  if (dims.size() > kMaxDims) {
    throw Error(ErrorKind::InvalidTensorShape, "tensor '" + name + "': more than 4 dimensions");
  }
  uint64_t n = 1;
  for (uint64_t d : dims) {
    if (__builtin_mul_overflow(n, d, &n) || n > static_cast<uint64_t>(INT64_MAX)) {
      throw Error(ErrorKind::Overflow, "tensor '" + name + "': element count overflows");
    }
  }
  const uint64_t row = dims.empty() ? 1 : dims[0];
  if (row % traits->block_elements != 0) {
    throw Error(ErrorKind::InvalidTensorShape,
                "tensor '" + name + "': first dimension not a multiple of the block size");
  }
  const uint64_t bytes = n / traits->block_elements * traits->block_bytes;
  if (bytes != data.size()) {
    throw Error(ErrorKind::InvalidArgument, "tensor '" + name + "': " + traits->name + " " +
                                                "shape needs " + std::to_string(bytes) +
                                                " bytes, got " + std::to_string(data.size()));
  }
  tensor_names_.insert(name);
  tensors_.push_back(TensorRecord{name, type, std::move(dims), std::move(data), data_size_});
  data_size_ = align_up(data_size_ + bytes, alignment_);
}

uint64_t Writer::data_offset() const {
  uint64_t size = 4 + 4 + 8 + 8;
  for (const auto &entry : metadata_) {
    size += 8 + entry.key.size() + 4 + entry.value.encoded_size();
  }
  for (const auto &t : tensors_) {
    size += 8 + t.name.size() + 4 + 8 * t.dims.size() + 4 + 8;
  }
  return align_up(size, alignment_);
}

std::vector<uint8_t> Writer::to_bytes() const {
  std::vector<uint8_t> out;
  ByteSink sink(out);
  sink.le<uint32_t>(kMagic);
  sink.le<uint32_t>(kVersion);
  sink.le<uint64_t>(tensors_.size());
  sink.le<uint64_t>(metadata_.size());
  for (const auto &entry : metadata_) {
    sink.string(entry.key);
    sink.le<uint32_t>(static_cast<uint32_t>(entry.value.type()));
    sink.value(entry.value);
  }
  for (const auto &t : tensors_) {
    sink.string(t.name);
    sink.le<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) {
      sink.le<uint64_t>(d);
    }
    sink.le<uint32_t>(static_cast<uint32_t>(t.type));
    sink.le<uint64_t>(t.offset);
  }
  sink.zeros(align_up(sink.size(), alignment_) - sink.size());
  const size_t data_start = sink.size();
  for (const auto &t : tensors_) {
    sink.zeros(data_start + t.offset - sink.size());
    sink.bytes(t.data.data(), t.data.size());
  }
  // Pad the last tensor too, as gguf-py does: the file ends aligned.
  sink.zeros(data_start + data_size_ - sink.size());
  return out;
}

void Writer::write(const std::string &path) const {
  const std::vector<uint8_t> bytes = to_bytes();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw Error(ErrorKind::Io, path + ": cannot create: " + std::strerror(errno));
  }
  out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    throw Error(ErrorKind::Io, path + ": write failed: " + std::strerror(errno));
  }
}

} // namespace worker::gguf
