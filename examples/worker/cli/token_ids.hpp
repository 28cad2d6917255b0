// A prompt given as token ids ("1,15043,3186" or "1 15043 3186"), read the
// same way by `vram-only-worker --prompt-ids` and by the two logits tools of
// scripts/gpu-llama-golden. Header-only and standard C++ only:
// llama-cpp-logits is compiled outside the CMake build, against llama.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace worker::cli {

// Appends the ids of `text` (separated by commas or spaces; each a decimal
// number up to 2^31 - 1) to `ids`. False, with the offending item in
// `bad_item`, when an item is not such a number.
inline bool parse_token_ids(const std::string &text, std::vector<int32_t> &ids, std::string &bad_item) {
  std::string item;
  for (size_t k = 0; k <= text.size(); ++k) {
    if (k < text.size() && text[k] != ',' && text[k] != ' ') {
      item += text[k];
      continue;
    }
    if (item.empty()) continue;
    uint64_t id = 0;  // stops growing past the limit, so it cannot overflow
    bool ok = item.size() <= 20;
    for (const char c : item) {
      ok = ok && c >= '0' && c <= '9';
      if (id <= 0x7fffffff) id = id * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok || id > 0x7fffffff) {
      bad_item = item;
      return false;
    }
    ids.push_back(static_cast<int32_t>(id));
    item.clear();
  }
  return true;
}

} // namespace worker::cli
