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

namespace worker::gguf {

std::string printable(std::string_view text);

} // namespace worker::gguf
