// A GGUF metadata value: one of the twelve scalar/string types, or an array
// of values of one element type (arrays may nest).
#pragma once

#include "gguf/gguf_types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace worker::gguf {

class Value;

struct Array {
  ValueType element_type = ValueType::UInt8;
  std::vector<Value> items; // every item has type element_type

  bool operator==(const Array &other) const;
  bool operator!=(const Array &other) const { return !(*this == other); }
};

class Value {
public:
  using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float,
                               bool, std::string, Array, uint64_t, int64_t, double>;

  Value() : storage_(uint8_t{0}) {}
  static Value u8(uint8_t v) { return Value(Storage(std::in_place_type<uint8_t>, v)); }
  static Value i8(int8_t v) { return Value(Storage(std::in_place_type<int8_t>, v)); }
  static Value u16(uint16_t v) { return Value(Storage(std::in_place_type<uint16_t>, v)); }
  static Value i16(int16_t v) { return Value(Storage(std::in_place_type<int16_t>, v)); }
  static Value u32(uint32_t v) { return Value(Storage(std::in_place_type<uint32_t>, v)); }
  static Value i32(int32_t v) { return Value(Storage(std::in_place_type<int32_t>, v)); }
  static Value f32(float v) { return Value(Storage(std::in_place_type<float>, v)); }
  static Value boolean(bool v) { return Value(Storage(std::in_place_type<bool>, v)); }
  static Value string(std::string v) { return Value(Storage(std::in_place_type<std::string>, std::move(v))); }
  static Value array(Array v) { return Value(Storage(std::in_place_type<Array>, std::move(v))); }
  static Value u64(uint64_t v) { return Value(Storage(std::in_place_type<uint64_t>, v)); }
  static Value i64(int64_t v) { return Value(Storage(std::in_place_type<int64_t>, v)); }
  static Value f64(double v) { return Value(Storage(std::in_place_type<double>, v)); }
  // Arrays of one element type from plain C++ values.
  static Value string_array(const std::vector<std::string> &items);
  static Value i32_array(const std::vector<int32_t> &items);
  static Value f32_array(const std::vector<float> &items);

  // The variant index equals the GGUF type id, by construction of Storage.
  ValueType type() const { return static_cast<ValueType>(storage_.index()); }
  const Storage &storage() const { return storage_; }

  bool is_integer() const;
  bool is_float() const { return type() == ValueType::Float32 || type() == ValueType::Float64; }
  // Integer types, as int64 if the value fits; nullopt for other types.
  std::optional<int64_t> as_int64() const;
  // Integer types, as uint64 if the value is not negative.
  std::optional<uint64_t> as_uint64() const;
  // Float32/Float64 (and integer types, converted).
  std::optional<double> as_double() const;
  const std::string *as_string() const { return std::get_if<std::string>(&storage_); }
  const Array *as_array() const { return std::get_if<Array>(&storage_); }
  std::optional<bool> as_bool() const;

  // Bytes this value takes in a file (type id and key not included).
  uint64_t encoded_size() const;

  bool operator==(const Value &other) const { return storage_ == other.storage_; }
  bool operator!=(const Value &other) const { return !(*this == other); }

private:
  explicit Value(Storage storage) : storage_(std::move(storage)) {}
  Storage storage_;
};

// "uint32 7", "string \"qwen2\"", "array<string>[259]": for messages and dumps
// (a string's text passed through printable()).
std::string describe(const Value &value);

} // namespace worker::gguf
