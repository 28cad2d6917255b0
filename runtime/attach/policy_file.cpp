#include "policy_file.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

namespace vram_only::attach {
namespace {

using nlohmann::json;

// An input iterator over the text that remembers how far the parser has
// read, so that each SAX event can be given its line.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, const char** furthest) : p_(p), furthest_(furthest) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    if (p_ > *furthest_) *furthest_ = p_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char** furthest_;
};

// Builds the document and the line of each value, keyed by JSON pointer.
class LineSax {
 public:
  LineSax(std::string_view text, const char** furthest, std::string name)
      : text_(text), furthest_(furthest), name_(std::move(name)) {}

  json root;
  std::vector<std::pair<std::string, int>> lines;  // JSON pointer -> line
  std::string error;

  int line_of(const std::string& pointer) const {
    for (const auto& [p, line] : lines) {
      if (p == pointer) return line;
    }
    return 0;
  }

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return add(json(v)); }
  bool string(std::string& v) { return add(json(v)); }
  bool binary(json::binary_t&) { return add(json(nullptr)); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    Frame& f = stack_.back();
    if (f.value->contains(k)) {
      error = name_ + ":" + std::to_string(current_line()) + ": duplicate key \"" + k + "\"";
      return false;
    }
    f.key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string what = e.what();
    const std::size_t colon = what.find(": ");
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    const auto [line, column] = line_column(position);
    error = name_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": not valid JSON: " + detail;
    return false;
  }

  std::pair<int, int> line_column(std::size_t offset) const {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i + 1 < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return {line, column};
  }

 private:
  struct Frame {
    json* value;
    std::string pointer;
    std::string key;
  };

  // The line of the token just read. The lexer may have read one character
  // past it (after a number), which is therefore not counted.
  int current_line() const {
    const std::size_t read = static_cast<std::size_t>(*furthest_ - text_.data());
    return line_column(read).first;
  }

  std::string child_pointer() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    if (f.value->is_array()) return f.pointer + "/" + std::to_string(f.value->size());
    return f.pointer + "/" + f.key;
  }

  json* place(json value) {
    if (stack_.empty()) {
      root = std::move(value);
      return &root;
    }
    Frame& f = stack_.back();
    if (f.value->is_array()) {
      f.value->push_back(std::move(value));
      return &f.value->back();
    }
    return &((*f.value)[f.key] = std::move(value));
  }

  bool add(json value) {
    lines.emplace_back(child_pointer(), current_line());
    place(std::move(value));
    return true;
  }

  bool open(json container) {
    const std::string pointer = child_pointer();
    lines.emplace_back(pointer, current_line());
    json* slot = place(std::move(container));
    stack_.push_back(Frame{slot, pointer, {}});
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  std::string_view text_;
  const char** furthest_;
  std::string name_;
  std::vector<Frame> stack_;
};

std::string type_name(const json& v) {
  return v.is_string() ? "a string" : v.is_number() ? "a number" : v.is_boolean() ? "a boolean"
       : v.is_array()  ? "an array" : v.is_object() ? "an object" : "null";
}

}  // namespace

bool parse_size(std::string_view text, std::size_t& out) {
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  const std::size_t digits_start = i;
  unsigned long long value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const unsigned digit = static_cast<unsigned>(text[i] - '0');
    if (value > (~0ull - digit) / 10) return false;
    value = value * 10 + digit;
    ++i;
  }
  if (i == digits_start) return false;
  while (i < text.size() && text[i] == ' ') ++i;
  std::string unit(text.substr(i));
  while (!unit.empty() && unit.back() == ' ') unit.pop_back();
  static const std::pair<const char*, unsigned long long> units[] = {
      {"", 1},          {"B", 1},
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
      {"KB", 1000ull},     {"MB", 1000000ull},  {"GB", 1000000000ull}, {"TB", 1000000000000ull}};
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      if (value > ~0ull / factor) return false;
      out = static_cast<std::size_t>(value * factor);
      return true;
    }
  }
  return false;
}

Policy parse_policy(std::string_view text, const std::string& name) {
  // Said here, not by nlohmann/json, whose wording for it changed in 3.11.3.
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw PolicyError(name + ": the file is empty (a policy is a JSON object with an \"allow\" list)");
  }
  const char* furthest = text.data();
  LineSax sax(text, &furthest, name);
  CountingIterator first(text.data(), &furthest);
  CountingIterator last(text.data() + text.size(), &furthest);
  const bool ok = json::sax_parse(first, last, &sax, json::input_format_t::json, /*strict=*/true,
                                  /*ignore_comments=*/true);
  if (!ok) {
    throw PolicyError(sax.error.empty() ? name + ": not valid JSON" : sax.error);
  }
  const auto fail = [&](const std::string& pointer, const std::string& message) -> PolicyError {
    const int line = sax.line_of(pointer);
    return PolicyError(name + ":" + std::to_string(line > 0 ? line : 1) + ": " + message);
  };
  const json& root = sax.root;
  if (!root.is_object()) {
    throw fail("", "the policy must be a JSON object with an \"allow\" list, not " + type_name(root));
  }
  Policy policy;
  policy.source = name;
  for (const auto& [key, value] : root.items()) {
    if (key == "version") {
      if (!value.is_number_unsigned() || value.get<unsigned long long>() != 1) {
        throw fail("/version", "\"version\" must be 1");
      }
    } else if (key != "allow" && key != "comment") {
      throw fail("/" + key, "unknown key \"" + key + "\" (expected \"version\", \"allow\", \"comment\")");
    }
  }
  if (!root.contains("allow")) {
    return policy;  // no exceptions: the same as no policy file
  }
  const json& allow = root["allow"];
  if (!allow.is_array()) {
    throw fail("/allow", "\"allow\" must be a list of rules, not " + type_name(allow));
  }
  for (std::size_t i = 0; i < allow.size(); ++i) {
    const std::string at = "/allow/" + std::to_string(i);
    const json& item = allow[i];
    if (!item.is_object()) {
      throw fail(at, "a rule must be an object, not " + type_name(item));
    }
    PolicyRule rule;
    rule.line = sax.line_of(at);
    bool has_total = false;
    bool has_per_allocation = false;
    for (const auto& [key, value] : item.items()) {
      const std::string here = at + "/" + key;
      if (key == "kind") {
        if (!value.is_string() || !parse_memory_kind(value.get<std::string>(), rule.kind) ||
            rule.kind == MemoryKind::Device) {
          throw fail(here, "\"kind\" must be one of managed, pinned, mapped, registered, host_vmm, "
                           "host_pool, migration");
        }
      } else if (key == "library") {
        if (!value.is_string() || value.get<std::string>().empty()) {
          throw fail(here, "\"library\" must be a non-empty string (part of the library's file name)");
        }
        rule.library = value.get<std::string>();
      } else if (key == "max_bytes_per_allocation" || key == "max_bytes_total") {
        std::size_t bytes = 0;
        const bool ok_size = value.is_number_unsigned()
                                 ? (bytes = value.get<std::size_t>(), true)
                                 : value.is_string() && parse_size(value.get<std::string>(), bytes);
        if (!ok_size) {
          throw fail(here, "\"" + key + "\" must be a number of bytes or a size like \"64 MiB\"");
        }
        if (key == "max_bytes_total") {
          rule.max_bytes_total = bytes;
          has_total = true;
        } else {
          rule.max_bytes_per_allocation = bytes;
          has_per_allocation = true;
        }
      } else if (key != "comment") {
        throw fail(here, "unknown key \"" + key + "\" in a rule (expected \"kind\", \"library\", "
                         "\"max_bytes_per_allocation\", \"max_bytes_total\", \"comment\")");
      }
    }
    if (!item.contains("kind")) {
      throw fail(at, "the rule has no \"kind\"");
    }
    if (!has_total) {
      throw fail(at, "the rule has no \"max_bytes_total\" (every exception needs a bound)");
    }
    if (!has_per_allocation) {
      rule.max_bytes_per_allocation = rule.max_bytes_total;
    }
    policy.rules.push_back(std::move(rule));
  }
  return policy;
}

Policy load_policy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw PolicyError(path + ": cannot read the policy file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_policy(text.str(), path);
}

}  // namespace vram_only::attach
