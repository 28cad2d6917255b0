#include "excerpt.hpp"

#include <cstdio>

namespace vram_only::attach {

std::string excerpt(std::string_view text, char quote, std::size_t limit) {
  std::string out(1, quote);
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != static_cast<unsigned char>(quote)) {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  out += quote;
  if (text.size() > limit) {
    out += "... (" + std::to_string(text.size()) + " bytes)";
  }
  return out;
}

}  // namespace vram_only::attach
