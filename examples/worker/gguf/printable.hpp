// Text from a model file (keys, tensor names, string values) made safe to
// print: a file cannot move the cursor, clear the screen, recolour the
// terminal or reorder what follows it.
//
//   bytes 0x00-0x1f and 0x7f                       -> \xNN
//   bytes that are not part of valid UTF-8          -> \xNN (each byte)
//   C1 controls U+0080-U+009F, the line and paragraph separators U+2028-U+2029
//   and the bidirectional controls U+202A-U+202E, U+2066-U+2069 -> \u{XXXX}
//   everything else (printable ASCII, other valid UTF-8) is kept.
//
// The output contains none of the escaped characters, so printable() is
// idempotent: applying it to a message that already holds escaped file text
// changes nothing. (A backslash is kept as it is, so "\x1b" typed into a file
// reads the same as an escaped ESC byte; the escaping is for terminals, not a
// reversible encoding.)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace worker::gguf {

std::string printable(std::string_view text);

// Text from a model file in a message: at most `limit` bytes of it, made
// printable and quoted, then the total length when it was cut, so that no
// file sets the length of a line:
//   quoted_excerpt("qwen2") -> 'qwen2'
//   quoted_excerpt(<10 MB of 'a'>) -> 'aaaa...a'... (10485760 bytes)
inline constexpr size_t kExcerptBytes = 64;
std::string quoted_excerpt(std::string_view text, char quote = '\'', size_t limit = kExcerptBytes);

// A list of names for one message: the count, then the first `shown` of
// them quoted as above: "3 tensors: 'a', 'b' and 1 more".
std::string name_summary(const std::vector<std::string> &names, const char *noun, size_t shown = 5);

} // namespace worker::gguf
