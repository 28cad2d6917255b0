// Parsing of GGUF v2/v3 files (the two share one layout; v3 only added
// big-endian files, which this reader rejects).
#include "gguf/gguf_file.hpp"
#include "gguf/printable.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <istream>
#include <numeric>
#include <sstream>

#include <sys/stat.h>

namespace worker::gguf {

namespace {

std::string quoted(std::string_view s) { return "'" + printable(s) + "'"; }

// The smallest encodings: a metadata entry is a key (8-byte length + at
// least 1 byte), a value type (4) and a value (at least 1 byte); a tensor
// info is a name (8 + at least 1), a dimension count (4), a type (4) and an
// offset (8).
constexpr uint64_t kMinMetadataEntryBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;
// What a node of File's name -> index maps takes besides the key's bytes
// (the node, the std::string and a bucket, rounded up).
constexpr uint64_t kIndexNodeBytes = 64;

bool mul_overflows(uint64_t a, uint64_t b, uint64_t *out) { return __builtin_mul_overflow(a, b, out); }
bool add_overflows(uint64_t a, uint64_t b, uint64_t *out) { return __builtin_add_overflow(a, b, out); }

} // namespace

bool is_valid_utf8(std::string_view bytes) noexcept {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) {
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(bytes[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string TensorInfo::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(dims[i]);
  }
  return s + "]";
}

// Reads little-endian fields from a stream and checks each against the file
// size first. `context_` names the item being parsed, for messages.
class Parser {
public:
  Parser(std::istream &in, uint64_t size, const std::string &source)
      : in_(in), size_(size), source_(source) {}

  File run();

private:
  [[noreturn]] void fail(ErrorKind kind, const std::string &message) const {
    throw Error(kind, source_ + ": " + message);
  }

  void need(uint64_t n, const char *field) const {
    if (n > size_ - pos_) {
      std::ostringstream m;
      m << "truncated file: " << context_ << ": " << field << " needs " << n
        << " bytes at offset " << pos_ << ", but the file ends at " << size_;
      fail(ErrorKind::Truncated, m.str());
    }
  }

  void read_bytes(void *dst, uint64_t n, const char *field) {
    need(n, field);
    if (n == 0) {
      return;
    }
    in_.read(static_cast<char *>(dst), static_cast<std::streamsize>(n));
    if (!in_ || static_cast<uint64_t>(in_.gcount()) != n) {
      std::ostringstream m;
      m << "read error at offset " << pos_ << " (" << context_ << ": " << field << ")";
      fail(ErrorKind::Io, m.str());
    }
    pos_ += n;
  }

  template <typename T> T read_le(const char *field) {
    unsigned char raw[sizeof(T)];
    read_bytes(raw, sizeof(T), field);
    using U = std::conditional_t<sizeof(T) == 1, uint8_t,
              std::conditional_t<sizeof(T) == 2, uint16_t,
              std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
    U bits = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      bits |= static_cast<U>(static_cast<U>(raw[i]) << (8 * i));
    }
    T value;
    std::memcpy(&value, &bits, sizeof(T));
    return value;
  }

  std::string read_string(const char *field) {
    const uint64_t length = read_le<uint64_t>(field);
    need(length, field); // before allocating anything
    charge(length, length, "the string");
    std::string s(length, '\0');
    read_bytes(s.data(), length, field);
    return s;
  }

  uint32_t read_value_type(const char *field) {
    const uint64_t at = pos_;
    const uint32_t id = read_le<uint32_t>(field);
    if (!is_valid_value_type(id)) {
      std::ostringstream m;
      m << context_ << ": invalid " << field << " " << id << " at offset " << at
        << " (GGUF defines 0..12)";
      fail(ErrorKind::InvalidValueType, m.str());
    }
    return id;
  }

  // Adds `bytes` to the estimate of the parsed header's heap, after checking
  // it against the limits for the header bytes read so far plus
  // `file_bytes` still to read for this item (kHeaderMemory*).
  void charge(uint64_t bytes, uint64_t file_bytes, const char *what) {
    const uint64_t backing = pos_ + file_bytes; // <= size_, checked by the caller
    uint64_t allowed = 0, total = 0;
    if (mul_overflows(backing, kHeaderMemoryFactor, &allowed) ||
        add_overflows(allowed, kHeaderMemoryAllowance, &allowed)) {
      allowed = UINT64_MAX;
    }
    if (add_overflows(memory_, bytes, &total) || total > allowed) {
      std::ostringstream m;
      m << context_ << ": " << what << " at offset " << pos_ << " would bring the parsed header to "
        << (total < memory_ ? std::string("2^64") : std::to_string(total))
        << " bytes in memory, more than this reader allows for " << backing
        << " bytes of header (" << (kHeaderMemoryAllowance >> 20) << " MiB + "
        << kHeaderMemoryFactor << " per byte)";
      fail(ErrorKind::LimitExceeded, m.str());
    }
    memory_ = total;
  }

  Value read_value(ValueType type, uint32_t depth);
  void read_header(File &file);
  // Every entry takes bytes in the file: counts that the rest of the file
  // cannot hold are refused before anything is read or allocated for them.
  void check_counts(uint64_t tensor_count, uint64_t metadata_count) const;
  void read_metadata(File &file, uint64_t count);
  void read_tensor_infos(File &file, uint64_t count);
  void apply_alignment(File &file);
  void place_tensors(File &file);

  std::istream &in_;
  uint64_t size_;
  const std::string &source_;
  uint64_t pos_ = 0;
  uint64_t memory_ = 0; // the estimate charge() keeps
  std::string context_ = "header";
};

Value Parser::read_value(ValueType type, uint32_t depth) {
  switch (type) {
  case ValueType::UInt8: return Value::u8(read_le<uint8_t>("uint8 value"));
  case ValueType::Int8: return Value::i8(read_le<int8_t>("int8 value"));
  case ValueType::UInt16: return Value::u16(read_le<uint16_t>("uint16 value"));
  case ValueType::Int16: return Value::i16(read_le<int16_t>("int16 value"));
  case ValueType::UInt32: return Value::u32(read_le<uint32_t>("uint32 value"));
  case ValueType::Int32: return Value::i32(read_le<int32_t>("int32 value"));
  case ValueType::Float32: return Value::f32(read_le<float>("float32 value"));
  case ValueType::UInt64: return Value::u64(read_le<uint64_t>("uint64 value"));
  case ValueType::Int64: return Value::i64(read_le<int64_t>("int64 value"));
  case ValueType::Float64: return Value::f64(read_le<double>("float64 value"));
  case ValueType::Bool: {
    const uint64_t at = pos_;
    const uint8_t b = read_le<uint8_t>("bool value");
    if (b > 1) {
      std::ostringstream m;
      m << context_ << ": bool value " << unsigned(b) << " at offset " << at
        << " is neither 0 nor 1";
      fail(ErrorKind::InvalidValueType, m.str());
    }
    return Value::boolean(b == 1);
  }
  case ValueType::String: return Value::string(read_string("string value"));
  case ValueType::Array: {
    if (depth >= kMaxArrayNesting) {
      std::ostringstream m;
      m << context_ << ": arrays nested deeper than " << kMaxArrayNesting << " levels at offset "
        << pos_;
      fail(ErrorKind::LimitExceeded, m.str());
    }
    Array array;
    array.element_type = static_cast<ValueType>(read_value_type("array element type"));
    const uint64_t count = read_le<uint64_t>("array length");
    // Every element takes at least one byte (8 for strings, 12 for arrays):
    // a count that cannot fit in the rest of the file is rejected before any
    // allocation.
    const uint64_t min_element =
        array.element_type == ValueType::String  ? 8
        : array.element_type == ValueType::Array ? 12
                                                 : scalar_size(array.element_type);
    uint64_t min_bytes = 0;
    const bool overflow = mul_overflows(count, min_element, &min_bytes);
    if (overflow || min_bytes > size_ - pos_) {
      std::ostringstream m;
      m << "truncated file: " << context_ << ": array of " << count << " "
        << value_type_name(array.element_type) << " elements at offset " << pos_
        << " needs at least " << (overflow ? std::string("2^64") : std::to_string(min_bytes))
        << " bytes, but the file ends at " << size_;
      fail(ErrorKind::Truncated, m.str());
    }
    uint64_t item_bytes = 0;
    if (mul_overflows(count, sizeof(Value), &item_bytes)) {
      item_bytes = UINT64_MAX;
    }
    charge(item_bytes, min_bytes, "the array's items");
    array.items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      array.items.push_back(read_value(array.element_type, depth + 1));
    }
    return Value::array(std::move(array));
  }
  }
  fail(ErrorKind::InvalidValueType, context_ + ": invalid value type");
}

void Parser::read_header(File &file) {
  context_ = "header";
  const uint32_t magic = read_le<uint32_t>("magic");
  if (magic != kMagic) {
    char got[5] = {};
    for (int i = 0; i < 4; ++i) {
      const char c = static_cast<char>((magic >> (8 * i)) & 0xFF);
      got[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    std::ostringstream m;
    m << "not a GGUF file: the magic is \"" << got << "\" (0x" << std::hex << magic
      << "), expected \"GGUF\"";
    fail(ErrorKind::BadMagic, m.str());
  }
  const uint32_t version = read_le<uint32_t>("version");
  if (version != 2 && version != 3) {
    std::ostringstream m;
    if ((version & 0xFFFF) == 0 && version != 0) {
      m << "unsupported GGUF file: big-endian files are not supported (version field 0x"
        << std::hex << version << ")";
    } else {
      m << "unsupported GGUF version " << version << " (this reader reads versions 2 and 3)";
    }
    fail(ErrorKind::UnsupportedVersion, m.str());
  }
  file.version_ = version;
}

void Parser::check_counts(uint64_t tensor_count, uint64_t metadata_count) const {
  uint64_t tensor_bytes = 0, metadata_bytes = 0, total = 0;
  const bool overflow = mul_overflows(tensor_count, kMinTensorInfoBytes, &tensor_bytes) ||
                        mul_overflows(metadata_count, kMinMetadataEntryBytes, &metadata_bytes) ||
                        add_overflows(tensor_bytes, metadata_bytes, &total);
  if (overflow || total > size_ - pos_) {
    std::ostringstream m;
    m << "truncated file: header: " << tensor_count << " tensor infos and " << metadata_count
      << " metadata entries need at least "
      << (overflow ? std::string("2^64") : std::to_string(total)) << " bytes after offset "
      << pos_ << ", but the file ends at " << size_;
    fail(ErrorKind::Truncated, m.str());
  }
}

void Parser::read_metadata(File &file, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    context_ = "metadata entry #" + std::to_string(i);
    const uint64_t at = pos_;
    std::string key = read_string("key");
    if (key.empty() || key.size() > kMaxKeyBytes || !is_valid_utf8(key)) {
      std::ostringstream m;
      m << context_ << " at offset " << at << ": the key "
        << (key.empty() ? std::string("is empty")
                        : key.size() > kMaxKeyBytes ? "is longer than 65535 bytes"
                                                    : "is not valid UTF-8");
      fail(ErrorKind::InvalidString, m.str());
    }
    context_ += " (" + quoted(key) + ")";
    if (file.metadata_index_.count(key) != 0) {
      std::ostringstream m;
      m << "duplicate metadata key " << quoted(key) << " (entry #" << i << " at offset " << at
        << ")";
      fail(ErrorKind::DuplicateKey, m.str());
    }
    // The entry, its key and the index's node and copy of the key.
    charge(sizeof(MetadataEntry) + kIndexNodeBytes + key.size(), 0, "the entry");
    const auto type = static_cast<ValueType>(read_value_type("value type"));
    Value value = read_value(type, 0);
    file.metadata_index_.emplace(key, file.metadata_.size());
    file.metadata_.push_back(MetadataEntry{std::move(key), std::move(value)});
  }
}

void Parser::read_tensor_infos(File &file, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    context_ = "tensor info #" + std::to_string(i);
    const uint64_t at = pos_;
    TensorInfo t;
    t.name = read_string("name");
    if (t.name.empty() || t.name.size() > kMaxTensorNameBytes || !is_valid_utf8(t.name)) {
      std::ostringstream m;
      m << context_ << " at offset " << at << ": the tensor name "
        << (t.name.empty() ? std::string("is empty")
            : t.name.size() > kMaxTensorNameBytes
                ? "is longer than " + std::to_string(kMaxTensorNameBytes) + " bytes"
                : std::string("is not valid UTF-8"));
      fail(ErrorKind::InvalidString, m.str());
    }
    context_ += " (" + quoted(t.name) + ")";
    if (file.tensor_index_.count(t.name) != 0) {
      std::ostringstream m;
      m << "duplicate tensor name " << quoted(t.name) << " (tensor info #" << i << " at offset "
        << at << ")";
      fail(ErrorKind::DuplicateTensor, m.str());
    }
    const uint32_t n_dims = read_le<uint32_t>("dimension count");
    if (n_dims > kMaxDims) {
      fail(ErrorKind::InvalidTensorShape, context_ + ": " + std::to_string(n_dims) +
                                              " dimensions (at most " +
                                              std::to_string(kMaxDims) + ")");
    }
    // The info, its dimensions, the index's node and copy of the name.
    need(8 * uint64_t{n_dims}, "dimensions");
    charge(sizeof(TensorInfo) + 8 * n_dims + kIndexNodeBytes + t.name.size(), 8 * n_dims,
           "the tensor info");
    t.dims.resize(n_dims);
    for (auto &d : t.dims) {
      d = read_le<uint64_t>("dimension");
      if (d > static_cast<uint64_t>(INT64_MAX)) {
        fail(ErrorKind::Overflow, context_ + ": dimension " + std::to_string(d) +
                                      " does not fit in int64");
      }
    }
    const uint64_t type_at = pos_;
    t.type_id = read_le<uint32_t>("tensor type");
    const auto traits = tensor_type_traits(t.type_id);
    if (!traits) {
      std::ostringstream m;
      m << context_ << ": unsupported tensor type " << t.type_id << " at offset " << type_at
        << " (not a GGML type)";
      fail(ErrorKind::UnsupportedTensorType, m.str());
    }
    t.offset = read_le<uint64_t>("data offset");

    t.n_elements = 1;
    for (uint64_t d : t.dims) {
      if (mul_overflows(t.n_elements, d, &t.n_elements) ||
          t.n_elements > static_cast<uint64_t>(INT64_MAX)) {
        fail(ErrorKind::Overflow, context_ + ": the element count of shape " + t.shape_string() +
                                      " overflows int64");
      }
    }
    const uint64_t row = t.dims.empty() ? 1 : t.dims[0];
    if (row % traits->block_elements != 0) {
      std::ostringstream m;
      m << context_ << ": type " << traits->name << " stores blocks of " << traits->block_elements
        << " elements, but the first dimension of " << t.shape_string() << " is " << row;
      fail(ErrorKind::InvalidTensorShape, m.str());
    }
    if (mul_overflows(t.n_elements / traits->block_elements, traits->block_bytes, &t.n_bytes)) {
      fail(ErrorKind::Overflow, context_ + ": the byte size of shape " + t.shape_string() +
                                    " overflows 64 bits");
    }
    file.tensor_index_.emplace(t.name, file.tensors_.size());
    file.tensors_.push_back(std::move(t));
  }
}

void Parser::apply_alignment(File &file) {
  if (const Value *a = file.find(kAlignmentKey)) {
    context_ = "metadata";
    if (a->type() != ValueType::UInt32) {
      fail(ErrorKind::InvalidAlignment, std::string(kAlignmentKey) + " has type " +
                                            value_type_name(a->type()) + ", expected uint32");
    }
    const uint32_t alignment = std::get<uint32_t>(a->storage());
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      fail(ErrorKind::InvalidAlignment, std::string(kAlignmentKey) + " is " +
                                            std::to_string(alignment) +
                                            ", not a non-zero power of two");
    }
    file.alignment_ = alignment;
  }
  // pos_ <= size_ < 2^64 - alignment in practice; guard anyway.
  uint64_t padded;
  if (add_overflows(pos_, file.alignment_ - 1, &padded)) {
    fail(ErrorKind::Overflow, "the data section offset overflows 64 bits");
  }
  file.data_offset_ = padded / file.alignment_ * file.alignment_;
}

void Parser::place_tensors(File &file) {
  for (auto &t : file.tensors_) {
    if (t.offset % file.alignment_ != 0) {
      std::ostringstream m;
      m << "tensor " << quoted(t.name) << ": data offset " << t.offset
        << " is not a multiple of the alignment " << file.alignment_;
      fail(ErrorKind::InvalidAlignment, m.str());
    }
    uint64_t begin, end;
    if (add_overflows(file.data_offset_, t.offset, &begin) ||
        add_overflows(begin, t.n_bytes, &end)) {
      std::ostringstream m;
      m << "tensor " << quoted(t.name) << ": data offset " << t.offset << " + size " << t.n_bytes
        << " overflows 64 bits";
      fail(ErrorKind::Overflow, m.str());
    }
    if (end > size_) {
      std::ostringstream m;
      m << "tensor " << quoted(t.name) << " (" << t.type_name() << " " << t.shape_string()
        << ", " << t.n_bytes << " bytes): data [" << begin << ", " << end
        << ") lies outside the file (" << size_ << " bytes)";
      fail(ErrorKind::OutOfRange, m.str());
    }
    t.file_offset = begin;
  }
  // No two tensors may share bytes.
  std::vector<size_t> order(file.tensors_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return file.tensors_[a].offset < file.tensors_[b].offset;
  });
  const TensorInfo *previous = nullptr;
  for (size_t idx : order) {
    const TensorInfo &t = file.tensors_[idx];
    if (t.n_bytes == 0) {
      continue;
    }
    if (previous != nullptr && previous->offset + previous->n_bytes > t.offset) {
      std::ostringstream m;
      m << "tensors " << quoted(previous->name) << " [" << previous->offset << ", "
        << previous->offset + previous->n_bytes << ") and " << quoted(t.name) << " ["
        << t.offset << ", " << t.offset + t.n_bytes << ") overlap in the data section";
      fail(ErrorKind::OutOfRange, m.str());
    }
    previous = &t;
  }
}

File Parser::run() {
  File file;
  file.source_ = source_;
  file.file_size_ = size_;
  read_header(file);
  const uint64_t tensor_count = read_le<uint64_t>("tensor count");
  const uint64_t metadata_count = read_le<uint64_t>("metadata count");
  check_counts(tensor_count, metadata_count);
  read_metadata(file, metadata_count);
  read_tensor_infos(file, tensor_count);
  apply_alignment(file);
  place_tensors(file);
  file.header_memory_bytes_ = memory_;
  return file;
}

File File::parse(std::istream &in, uint64_t size, const std::string &source) {
  return Parser(in, size, source).run();
}

File File::open(const std::string &path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(ErrorKind::Io, path + ": cannot open: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorKind::Io, path + ": not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::Io, path + ": cannot open: " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  if (end < 0) {
    throw Error(ErrorKind::Io, path + ": cannot determine the file size (not a regular file?)");
  }
  in.seekg(0, std::ios::beg);
  File file = parse(in, static_cast<uint64_t>(end), path);
  file.from_path_ = true;
  return file;
}

const Value *File::find(std::string_view key) const {
  auto it = metadata_index_.find(std::string(key));
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
}

const TensorInfo *File::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

uint64_t File::total_tensor_bytes() const {
  uint64_t total = 0;
  for (const auto &t : tensors_) {
    total += t.n_bytes;
  }
  return total;
}

void File::read_tensor_data(const TensorInfo &tensor, void *dst, uint64_t dst_bytes) const {
  if (dst_bytes != tensor.n_bytes) {
    throw Error(ErrorKind::InvalidArgument,
                source_ + ": tensor " + quoted(tensor.name) + " has " +
                    std::to_string(tensor.n_bytes) + " bytes, the destination " +
                    std::to_string(dst_bytes));
  }
  if (!from_path_) {
    throw Error(ErrorKind::InvalidArgument,
                source_ + ": tensor data can only be read from a file opened by path");
  }
  std::ifstream in(source_, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::Io, source_ + ": cannot open again: " + std::strerror(errno));
  }
  in.seekg(static_cast<std::streamoff>(tensor.file_offset));
  in.read(static_cast<char *>(dst), static_cast<std::streamsize>(dst_bytes));
  if (!in || static_cast<uint64_t>(in.gcount()) != dst_bytes) {
    throw Error(ErrorKind::Truncated,
                source_ + ": tensor " + quoted(tensor.name) + ": could read only " +
                    std::to_string(in.gcount()) + " of " + std::to_string(dst_bytes) +
                    " bytes at offset " + std::to_string(tensor.file_offset) +
                    " (was the file changed after it was opened?)");
  }
}

std::vector<uint8_t> File::read_tensor_data(const TensorInfo &tensor) const {
  std::vector<uint8_t> bytes(tensor.n_bytes);
  read_tensor_data(tensor, bytes.data(), bytes.size());
  return bytes;
}

} // namespace worker::gguf
