// Hand-assembles GGUF bytes field by field, independently of the project's
// writer, so that tests can build valid files to compare the writer with
// and invalid files that no writer would produce.
#pragma once

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace worker::test {

class RawGguf {
public:
  RawGguf &u8(uint8_t v) { return le(v); }
  RawGguf &u32(uint32_t v) { return le(v); }
  RawGguf &u64(uint64_t v) { return le(v); }
  RawGguf &i32(int32_t v) { return le(v); }
  RawGguf &f32(float v) { return le(v); }
  RawGguf &str(const std::string &s) {
    u64(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  RawGguf &header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return u32(0x46554747).u32(version).u64(n_tensors).u64(n_kv);
  }
  // key + type id (the caller appends the value)
  RawGguf &key(const std::string &k, uint32_t type) { return str(k).u32(type); }
  RawGguf &tensor_info(const std::string &name, std::vector<uint64_t> dims, uint32_t type,
                       uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  RawGguf &pad_to(size_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(0);
    return *this;
  }
  RawGguf &fill(size_t n, uint8_t value) {
    bytes_.insert(bytes_.end(), n, value);
    return *this;
  }
  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t> &bytes() const { return bytes_; }
  std::string str_bytes() const { return std::string(bytes_.begin(), bytes_.end()); }

private:
  template <typename T> RawGguf &le(T v) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    bytes_.insert(bytes_.end(), raw, raw + sizeof(T));
    return *this;
  }
  std::vector<uint8_t> bytes_;
};

} // namespace worker::test
