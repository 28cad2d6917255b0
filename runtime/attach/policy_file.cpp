#include "policy_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "excerpt.hpp"

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

// Line and column of an offset into the text, from the line starts found
// once (each lookup a binary search, so a file's lines cost linear time).
class LineTable {
 public:
  explicit LineTable(std::string_view text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }

  // `offset` counts the characters read, the last of them included: the
  // position of that last character.
  std::pair<int, int> line_column(std::size_t offset) const {
    const std::size_t at = offset > 0 ? offset - 1 : 0;
    const auto next = std::upper_bound(starts_.begin(), starts_.end(), at);
    const std::size_t line = static_cast<std::size_t>(next - starts_.begin());
    return {static_cast<int>(line), static_cast<int>(at - starts_[line - 1] + 1)};
  }

 private:
  std::vector<std::size_t> starts_;
};

// Builds the document and the line of each value, keyed by JSON pointer.
// Stops at the first container nested deeper than kMaxPolicyDepth, before
// it costs anything.
class LineSax {
 public:
  LineSax(std::string_view text, const char** furthest, std::string name)
      : text_(text), lines_of_text_(text), furthest_(furthest), name_(std::move(name)) {}

  json root;
  std::unordered_map<std::string, int> lines;  // JSON pointer -> line
  std::string error;

  int line_of(const std::string& pointer) const {
    const auto it = lines.find(pointer);
    return it == lines.end() ? 0 : it->second;
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
      error = name_ + ":" + std::to_string(current_line()) + ": duplicate key " + excerpt(k, '"');
      return false;
    }
    f.key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::detail::exception& e) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at
    // line 3, column 5: ...; last read: '<the whole token>'; ...": the
    // token, which can be as long as the file, is cut to an excerpt.
    std::string what = e.what();
    const std::size_t colon = what.find(": ");
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    const std::string quoted_token = "; last read: '" + last_token + "'";
    const std::size_t token_at = detail.find(quoted_token);
    if (token_at != std::string::npos) {
      detail.replace(token_at, quoted_token.size(), "; last read: " + excerpt(last_token));
    }
    error = location(position) + ": not valid JSON: " + detail;
    return false;
  }

  // "name:line:column" of the character at `offset` (characters read).
  std::string location(std::size_t offset) const {
    const auto [line, column] = lines_of_text_.line_column(offset);
    return name_ + ":" + std::to_string(line) + ":" + std::to_string(column);
  }

 private:
  struct Frame {
    json* value;
    std::string pointer;
    std::string key;
  };

  // The line of the token just read. The lexer may have read one character
  // past it (after a number), which is therefore not counted.
  int current_line() const { return lines_of_text_.line_column(read_so_far()).first; }

  std::size_t read_so_far() const { return static_cast<std::size_t>(*furthest_ - text_.data()); }

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
    lines.emplace(child_pointer(), current_line());
    place(std::move(value));
    return true;
  }

  bool open(json container) {
    if (stack_.size() >= kMaxPolicyDepth) {
      error = location(read_so_far()) + ": nested deeper than " + std::to_string(kMaxPolicyDepth) +
              " levels (a policy needs 3)";
      return false;
    }
    const std::string pointer = child_pointer();
    lines.emplace(pointer, current_line());
    json* slot = place(std::move(container));
    stack_.push_back(Frame{slot, pointer, {}});
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  std::string_view text_;
  LineTable lines_of_text_;
  const char** furthest_;
  std::string name_;
  std::vector<Frame> stack_;
};

std::string too_large(const std::string& name, std::size_t bytes) {
  return name + ": the file is " + std::to_string(bytes) + " bytes; a policy file is at most " +
         std::to_string(kMaxPolicyBytes) + " bytes (1 MiB)";
}

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
  if (text.size() > kMaxPolicyBytes) {
    throw PolicyError(too_large(name, text.size()));
  }
  // Said here, not by nlohmann/json, whose wording for it changed in 3.11.3.
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw PolicyError(name + ": the file is empty (a policy is a JSON object with an \"allow\" list)");
  }
  const char* furthest = text.data();
  LineSax sax(text, &furthest, name);
  // nlohmann/json reads a NUL byte as the end of the input, which would
  // accept whatever follows the document.
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    throw PolicyError(sax.location(nul + 1) + ": not valid JSON: a NUL byte");
  }
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
      throw fail("/" + key, "unknown key " + excerpt(key, '"') + " (expected \"version\", \"allow\", \"comment\")");
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
        throw fail(here, "unknown key " + excerpt(key, '"') + " in a rule (expected \"kind\", \"library\", "
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
    } else if (rule.max_bytes_per_allocation > rule.max_bytes_total) {
      throw fail(at + "/max_bytes_per_allocation",
                 "\"max_bytes_per_allocation\" (" + std::to_string(rule.max_bytes_per_allocation) +
                     " bytes) is larger than \"max_bytes_total\" (" + std::to_string(rule.max_bytes_total) +
                     " bytes)");
    }
    policy.rules.push_back(std::move(rule));
  }
  return policy;
}

namespace {

// "a FIFO", "a character device", ...: what a policy file must not be.
const char* file_type(mode_t mode) {
  return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" : S_ISCHR(mode) ? "a character device"
       : S_ISBLK(mode) ? "a block device" : S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

// Closes the descriptor on every path out of load_policy_file().
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Policy load_policy_file(const std::string& path) {
  const auto unreadable = [&](const std::string& why) {
    return PolicyError((path.empty() ? std::string("(empty path)") : path) + ": cannot read the policy file: " + why);
  };
  if (path.empty()) {
    throw unreadable("no file name given");
  }
  // O_NONBLOCK: opening a FIFO waits for no writer; fstat then refuses it
  // before a read could wait for data.
  const FileDescriptor file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) {
    throw unreadable(std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) {
    throw unreadable(std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    throw unreadable("is a directory");
  }
  if (!S_ISREG(info.st_mode)) {
    throw unreadable(std::string("is ") + file_type(info.st_mode) + ", not a regular file");
  }
  if (static_cast<std::uint64_t>(info.st_size) > kMaxPolicyBytes) {
    throw PolicyError(too_large(path, static_cast<std::size_t>(info.st_size)));
  }
  // Read one byte past the bound: a file that grew since fstat is refused too.
  std::string text(kMaxPolicyBytes + 1, '\0');
  std::size_t size = 0;
  while (size < text.size()) {
    const ssize_t n = ::read(file.fd, text.data() + size, text.size() - size);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw unreadable(std::strerror(errno));
    }
    size += static_cast<std::size_t>(n);
  }
  text.resize(size);
  return parse_policy(text, path);
}

}  // namespace vram_only::attach
