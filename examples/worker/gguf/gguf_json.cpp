#include "gguf/gguf_json.hpp"

namespace worker::gguf {

namespace {

std::string to_hex(const uint8_t *data, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = digits[data[i] >> 4];
    s[2 * i + 1] = digits[data[i] & 0xF];
  }
  return s;
}

nlohmann::json plain(const Value &value) {
  return std::visit(
      [](const auto &x) -> nlohmann::json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Array>) {
          nlohmann::json items = nlohmann::json::array();
          for (const auto &item : x.items) {
            if (item.type() == ValueType::Array) {
              items.push_back({{"element_type", value_type_name(item.as_array()->element_type)},
                               {"value", plain(item)}});
            } else {
              items.push_back(plain(item));
            }
          }
          return items;
        } else if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, uint16_t> ||
                             std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>) {
          return static_cast<uint64_t>(x);
        } else if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t> ||
                             std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
          return static_cast<int64_t>(x);
        } else if constexpr (std::is_same_v<T, float>) {
          return static_cast<double>(x);
        } else {
          return x;
        }
      },
      value.storage());
}

nlohmann::json tensor_json(const std::string &name, uint32_t type_id, const std::vector<uint64_t> &dims,
                           uint64_t offset, uint64_t n_bytes) {
  return {{"name", name}, {"type", tensor_type_name(type_id)}, {"dims", dims},
          {"offset", offset}, {"n_bytes", n_bytes}};
}

} // namespace

nlohmann::json value_to_json(const Value &value) {
  nlohmann::json j = {{"type", value_type_name(value.type())}};
  if (const Array *a = value.as_array()) {
    j["element_type"] = value_type_name(a->element_type);
  }
  j["value"] = plain(value);
  return j;
}

nlohmann::json file_to_json(const File &file, bool with_data) {
  nlohmann::json j = {{"version", file.version()},
                      {"alignment", file.alignment()},
                      {"data_offset", file.data_offset()}};
  j["metadata"] = nlohmann::json::array();
  for (const auto &entry : file.metadata()) {
    nlohmann::json e = value_to_json(entry.value);
    e["key"] = entry.key;
    j["metadata"].push_back(std::move(e));
  }
  j["tensors"] = nlohmann::json::array();
  for (const auto &t : file.tensors()) {
    nlohmann::json e = tensor_json(t.name, t.type_id, t.dims, t.offset, t.n_bytes);
    if (with_data) {
      const auto bytes = file.read_tensor_data(t);
      e["data_hex"] = to_hex(bytes.data(), bytes.size());
    }
    j["tensors"].push_back(std::move(e));
  }
  return j;
}

nlohmann::json writer_to_json(const Writer &writer, bool with_data) {
  nlohmann::json j = {{"version", kVersion},
                      {"alignment", writer.alignment()},
                      {"data_offset", writer.data_offset()}};
  j["metadata"] = nlohmann::json::array();
  for (const auto &entry : writer.metadata()) {
    nlohmann::json e = value_to_json(entry.value);
    e["key"] = entry.key;
    j["metadata"].push_back(std::move(e));
  }
  j["tensors"] = nlohmann::json::array();
  for (const auto &t : writer.tensors()) {
    nlohmann::json e = tensor_json(t.name, static_cast<uint32_t>(t.type), t.dims, t.offset, t.data.size());
    if (with_data) {
      e["data_hex"] = to_hex(t.data.data(), t.data.size());
    }
    j["tensors"].push_back(std::move(e));
  }
  return j;
}

} // namespace worker::gguf
