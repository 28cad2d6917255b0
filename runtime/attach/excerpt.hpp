// Text from an input (a policy file, an environment variable) quoted in a
// message: at most `limit` bytes of it, every byte outside printable ASCII
// (and the backslash) written as \xNN, so that no input sets the length of
// a message or puts a control character on the user's terminal.
//
//   excerpt("pinned")                        -> 'pinned'
//   excerpt("alow", '"')                     -> "alow"
//   excerpt(std::string(9000, 'a'), '\'', 4) -> 'aaaa'... (9000 bytes)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vram_only::attach {

inline constexpr std::size_t kExcerptBytes = 40;

std::string excerpt(std::string_view text, char quote = '\'', std::size_t limit = kExcerptBytes);

}  // namespace vram_only::attach
