#include "gguf/gguf_value.hpp"
#include "gguf/printable.hpp"

#include <limits>
#include <sstream>

namespace worker::gguf {

static_assert(std::variant_size_v<Value::Storage> == 13, "one alternative per GGUF type");
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<size_t>(ValueType::String),
                                                        Value::Storage>,
                             std::string>);
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<size_t>(ValueType::Array),
                                                        Value::Storage>,
                             Array>);
static_assert(std::is_same_v<std::variant_alternative_t<static_cast<size_t>(ValueType::Float64),
                                                        Value::Storage>,
                             double>);

bool Array::operator==(const Array &other) const {
  return element_type == other.element_type && items == other.items;
}

Value Value::string_array(const std::vector<std::string> &items) {
  Array array{ValueType::String, {}};
  array.items.reserve(items.size());
  for (const auto &item : items) {
    array.items.push_back(Value::string(item));
  }
  return Value::array(std::move(array));
}

Value Value::i32_array(const std::vector<int32_t> &items) {
  Array array{ValueType::Int32, {}};
  array.items.reserve(items.size());
  for (int32_t item : items) {
    array.items.push_back(Value::i32(item));
  }
  return Value::array(std::move(array));
}

Value Value::f32_array(const std::vector<float> &items) {
  Array array{ValueType::Float32, {}};
  array.items.reserve(items.size());
  for (float item : items) {
    array.items.push_back(Value::f32(item));
  }
  return Value::array(std::move(array));
}

bool Value::is_integer() const {
  switch (type()) {
  case ValueType::UInt8:
  case ValueType::Int8:
  case ValueType::UInt16:
  case ValueType::Int16:
  case ValueType::UInt32:
  case ValueType::Int32:
  case ValueType::UInt64:
  case ValueType::Int64: return true;
  default: return false;
  }
}

std::optional<int64_t> Value::as_int64() const {
  return std::visit(
      [](const auto &v) -> std::optional<int64_t> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, uint64_t>) {
          if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            return std::nullopt;
          }
          return static_cast<int64_t>(v);
        } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          return static_cast<int64_t>(v);
        } else {
          return std::nullopt;
        }
      },
      storage_);
}

std::optional<uint64_t> Value::as_uint64() const {
  if (type() == ValueType::UInt64) {
    return std::get<uint64_t>(storage_);
  }
  auto v = as_int64();
  if (!v || *v < 0) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(*v);
}

std::optional<double> Value::as_double() const {
  if (auto f = std::get_if<float>(&storage_)) {
    return static_cast<double>(*f);
  }
  if (auto d = std::get_if<double>(&storage_)) {
    return *d;
  }
  if (type() == ValueType::UInt64) {
    return static_cast<double>(std::get<uint64_t>(storage_));
  }
  if (auto i = as_int64()) {
    return static_cast<double>(*i);
  }
  return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
  if (auto b = std::get_if<bool>(&storage_)) {
    return *b;
  }
  return std::nullopt;
}

uint64_t Value::encoded_size() const {
  if (auto s = as_string()) {
    return 8 + s->size();
  }
  if (auto a = as_array()) {
    uint64_t size = 4 + 8;
    for (const auto &item : a->items) {
      size += item.encoded_size();
    }
    return size;
  }
  return scalar_size(type());
}

std::string describe(const Value &value) {
  std::ostringstream out;
  out << value_type_name(value.type());
  if (auto s = value.as_string()) {
    out << ' ' << quoted_excerpt(*s, '"');
  } else if (auto a = value.as_array()) {
    out << '<' << value_type_name(a->element_type) << ">[" << a->items.size() << ']';
  } else if (auto b = value.as_bool()) {
    out << ' ' << (*b ? "true" : "false");
  } else if (value.is_float()) {
    out << ' ' << *value.as_double();
  } else if (value.type() == ValueType::UInt64) {
    out << ' ' << *value.as_uint64();
  } else {
    out << ' ' << *value.as_int64();
  }
  return out.str();
}

} // namespace worker::gguf
