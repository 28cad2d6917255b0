#include "gguf/printable.hpp"

#include <cstdint>
#include <cstdio>

namespace worker::gguf {

namespace {

// The length (2..4) and code point of the valid UTF-8 sequence at text[i],
// or length 0 when the bytes there are not valid UTF-8.
struct Decoded {
  size_t length;
  uint32_t code_point;
};

Decoded decode_at(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t length = 0;
  uint32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return {0, 0};
  }
  if (text.size() - i < length) {
    return {0, 0};
  }
  for (size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0) != 0x80) {
      return {0, 0};
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr uint32_t kSmallest[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {0, 0};
  }
  return {length, cp};
}

bool is_escaped_code_point(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

} // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char buf[16];
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    const Decoded d = c < 0x80 ? Decoded{0, 0} : decode_at(text, i);
    if (d.length == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    } else if (is_escaped_code_point(d.code_point)) {
      std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(d.code_point));
      out += buf;
      i += d.length;
    } else {
      out.append(text, i, d.length);
      i += d.length;
    }
  }
  return out;
}

std::string quoted_excerpt(std::string_view text, char quote, size_t limit) {
  std::string out = quote + printable(text.substr(0, limit)) + quote;
  if (text.size() > limit) {
    out += "... (" + std::to_string(text.size()) + " bytes)";
  }
  return out;
}

std::string name_summary(const std::vector<std::string> &names, const char *noun, size_t shown) {
  std::string out = std::to_string(names.size()) + " " + noun + (names.size() == 1 ? "" : "s") + ":";
  for (size_t i = 0; i < names.size() && i < shown; ++i) {
    out += (i == 0 ? " " : ", ") + quoted_excerpt(names[i]);
  }
  if (names.size() > shown) {
    out += " and " + std::to_string(names.size() - shown) + " more";
  }
  return out;
}

} // namespace worker::gguf
