#include "model/tokenizer.hpp"
#include "model/model_error.hpp"
#include "model/qwen2_config.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace worker::model {

namespace {

std::string utf8_encode(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

struct ByteSymbols {
  std::array<std::string, 256> to_symbol;
  std::unordered_map<uint32_t, uint8_t> from_code_point;
  ByteSymbols() {
    // Printable Latin-1 bytes map to themselves; the others, in byte order,
    // to U+0100 and up (GPT-2's bytes_to_unicode).
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      const uint32_t cp = printable ? b : next++;
      to_symbol[b] = utf8_encode(cp);
      from_code_point[cp] = static_cast<uint8_t>(b);
    }
  }
};

const ByteSymbols &byte_symbols() {
  static const ByteSymbols symbols;
  return symbols;
}

// One decoded code point and where its bytes are.
struct CodePoint {
  uint32_t cp;
  size_t begin, end;
};

std::vector<CodePoint> decode_utf8(std::string_view s) {
  std::vector<CodePoint> out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) { // an invalid byte stands for itself (as a "letter")
      out.push_back({0xFFFD, i, i + 1});
      ++i;
      continue;
    }
    out.push_back({cp, i, i + len});
    i += len;
  }
  return out;
}

bool is_space(uint32_t cp) {
  switch (cp) {
  case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
  case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
  case 0x3000:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}
bool is_newline(uint32_t cp) { return cp == '\r' || cp == '\n'; }
bool is_digit(uint32_t cp) { return cp >= '0' && cp <= '9'; }
bool is_letter(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0x80 && !is_space(cp));
}
bool is_other(uint32_t cp) { return !is_space(cp) && !is_letter(cp) && !is_digit(cp); }
uint32_t lower(uint32_t cp) { return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp; }

// Length (in code points) of the match of Qwen2's pattern at position i:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}
//   | ?[^\s\p{L}\p{N}]+[\r\n]* | \s*[\r\n]+ | \s+(?!\S) | \s+
size_t match_at(const std::vector<CodePoint> &c, size_t i, uint32_t max_digits) {
  const size_t n = c.size();
  auto at = [&](size_t k) -> uint32_t { return k < n ? c[k].cp : 0xFFFFFFFFu; };
  // contractions
  if (at(i) == '\'') {
    const uint32_t a = lower(at(i + 1)), b = lower(at(i + 2));
    if (a == 's' || a == 't' || a == 'm' || a == 'd') {
      return 2;
    }
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
      return 3;
    }
  }
  // optional non-letter/digit/newline prefix, then letters
  {
    size_t j = i;
    if (j < n && !is_newline(at(j)) && !is_letter(at(j)) && !is_digit(at(j)) && j + 1 < n &&
        is_letter(at(j + 1))) {
      ++j;
    }
    if (j < n && is_letter(at(j))) {
      while (j < n && is_letter(at(j))) {
        ++j;
      }
      return j - i;
    }
  }
  if (is_digit(at(i))) {
    size_t j = i;
    while (j < n && j - i < max_digits && is_digit(at(j))) {
      ++j;
    }
    return j - i;
  }
  // optional space, punctuation run, trailing newlines
  {
    size_t j = i;
    if (at(j) == ' ') {
      ++j;
    }
    if (j < n && is_other(at(j))) {
      while (j < n && is_other(at(j))) {
        ++j;
      }
      while (j < n && is_newline(at(j))) {
        ++j;
      }
      return j - i;
    }
  }
  // whitespace alternatives
  size_t e = i;
  while (e < n && is_space(at(e))) {
    ++e;
  }
  if (e > i) {
    for (size_t k = e; k > i; --k) { // \s*[\r\n]+ : up to the last newline of the run
      if (is_newline(at(k - 1))) {
        return k - i;
      }
    }
    if (e == n) { // \s+(?!\S) at the end of the text
      return e - i;
    }
    if (e - i >= 2) { // \s+(?!\S): leave the last space for the next word
      return e - i - 1;
    }
    return e - i; // \s+
  }
  return 1; // unreachable for valid categories; never loop forever
}

} // namespace

const std::string &Tokenizer::byte_to_symbol(uint8_t byte) { return byte_symbols().to_symbol[byte]; }

std::vector<std::string> Tokenizer::pre_tokenize(std::string_view text, PreTokenizer pre) {
  const std::vector<CodePoint> cps = decode_utf8(text);
  std::vector<std::string> pieces;
  size_t i = 0;
  while (i < cps.size()) {
    const size_t len = match_at(cps, i, pre.max_digits);
    pieces.emplace_back(text.substr(cps[i].begin, cps[i + len - 1].end - cps[i].begin));
    i += len;
  }
  return pieces;
}

Tokenizer Tokenizer::from_vocab(std::vector<std::string> tokens, std::vector<TokenType> types,
                                const std::vector<std::string> &merges) {
  if (tokens.size() != types.size()) {
    throw ModelError("tokenizer: " + std::to_string(tokens.size()) + " tokens but " +
                     std::to_string(types.size()) + " token types");
  }
  if (tokens.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw ModelError("tokenizer: too many tokens");
  }
  Tokenizer t;
  t.tokens_ = std::move(tokens);
  t.types_ = std::move(types);
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string &m = merges[rank];
    const size_t space = m.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == m.size() ||
        m.find(' ', space + 1) != std::string::npos) {
      throw ModelError("tokenizer: merge #" + std::to_string(rank) + " '" + m +
                       "' is not two symbols separated by one space");
    }
    t.merge_ranks_.emplace(m, static_cast<int32_t>(rank)); // the first occurrence wins
  }
  t.index();
  return t;
}

void Tokenizer::index() {
  for (size_t id = 0; id < tokens_.size(); ++id) {
    ids_.emplace(tokens_[id], static_cast<int32_t>(id));
    if ((types_[id] == TokenType::Control || types_[id] == TokenType::UserDefined ||
         types_[id] == TokenType::Unknown) &&
        !tokens_[id].empty()) {
      specials_.emplace_back(tokens_[id], static_cast<int32_t>(id));
    }
  }
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

Tokenizer Tokenizer::from_spm_vocab(std::vector<std::string> tokens, std::vector<TokenType> types,
                                    std::vector<float> scores, bool add_space_prefix) {
  if (tokens.size() != types.size() || tokens.size() != scores.size()) {
    throw ModelError("tokenizer: " + std::to_string(tokens.size()) + " tokens, " + std::to_string(types.size()) +
                     " token types and " + std::to_string(scores.size()) + " scores");
  }
  Tokenizer t = from_vocab(std::move(tokens), std::move(types), {});
  t.kind_ = Kind::SentencePiece;
  t.scores_ = std::move(scores);
  t.add_space_prefix_ = add_space_prefix;
  return t;
}

namespace {

std::vector<std::string> string_array(const gguf::File &file, const char *key) {
  const gguf::Value *v = file.find(key);
  const gguf::Array *a = v ? v->as_array() : nullptr;
  if (a == nullptr || a->element_type != gguf::ValueType::String) {
    throw ModelError("missing metadata '" + std::string(key) + "' (array of strings)");
  }
  std::vector<std::string> out;
  out.reserve(a->items.size());
  for (const auto &item : a->items) {
    out.push_back(*item.as_string());
  }
  return out;
}

std::optional<bool> optional_bool(const gguf::File &file, const char *key) {
  const gguf::Value *v = file.find(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (v->type() != gguf::ValueType::Bool) {
    throw ModelError("metadata '" + std::string(key) + "' is " + gguf::describe(*v) + ", expected a bool");
  }
  return v->as_bool();
}

std::optional<int32_t> optional_token_id(const gguf::File &file, const char *key, size_t n_tokens) {
  const gguf::Value *v = file.find(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  const auto id = v->as_int64();
  if (!id || *id < 0 || *id >= static_cast<int64_t>(n_tokens)) {
    throw ModelError("metadata '" + std::string(key) + "' is " + gguf::describe(*v) + ", not a token id");
  }
  return static_cast<int32_t>(*id);
}

} // namespace

Tokenizer Tokenizer::from_gguf(const gguf::File &file, uint32_t n_vocab) {
  const gguf::Value *model = file.find(keys::kTokenizerModel);
  if (model == nullptr || model->as_string() == nullptr) {
    throw ModelError("missing string metadata 'tokenizer.ggml.model'");
  }
  const std::string &model_name = *model->as_string();
  if (model_name != "gpt2" && model_name != "llama") {
    throw ModelError("unsupported tokenizer '" + model_name +
                     "' (this worker implements tokenizer.ggml.model = 'gpt2' (byte-level BPE) and 'llama' "
                     "(SentencePiece))");
  }
  std::vector<std::string> tokens = string_array(file, keys::kTokens);
  if (tokens.size() != n_vocab) {
    throw ModelError("tokenizer.ggml.tokens has " + std::to_string(tokens.size()) +
                     " tokens, but token_embd.weight has " + std::to_string(n_vocab) + " rows");
  }
  std::vector<TokenType> types(tokens.size(), TokenType::Normal);
  if (const gguf::Value *v = file.find(keys::kTokenTypes)) {
    const gguf::Array *a = v->as_array();
    if (a == nullptr || !(a->element_type == gguf::ValueType::Int32) || a->items.size() != tokens.size()) {
      throw ModelError("metadata 'tokenizer.ggml.token_type' must be an int32 array with one entry per token");
    }
    for (size_t i = 0; i < types.size(); ++i) {
      types[i] = static_cast<TokenType>(*a->items[i].as_int64());
    }
  }
  Tokenizer t;
  if (model_name == "gpt2") {
    const gguf::Value *pre = file.find(keys::kTokenizerPre);
    if (pre == nullptr || pre->as_string() == nullptr) {
      throw ModelError("missing string metadata 'tokenizer.ggml.pre' (llama.cpp then splits with its 'default' "
                       "pattern, which this worker does not implement; known: qwen2, llama-bpe)");
    }
    const std::string &pre_name = *pre->as_string();
    PreTokenizer split;
    bool add_bos = false;
    if (pre_name == "llama-bpe" || pre_name == "llama3" || pre_name == "llama-v3") {
      split.max_digits = 3;
      split.ignore_merges = true;
      add_bos = true;
    } else if (pre_name != "qwen2") {
      throw ModelError("unsupported pre-tokenizer 'tokenizer.ggml.pre' = '" + pre_name +
                       "' (this worker implements qwen2, llama-bpe, llama3, llama-v3)");
    }
    std::vector<std::string> merges;
    if (file.find(keys::kMerges) != nullptr) {
      merges = string_array(file, keys::kMerges);
    }
    t = from_vocab(std::move(tokens), std::move(types), merges);
    t.pre_ = split;
    t.add_bos_ = add_bos;
  } else {
    const gguf::Value *v = file.find(keys::kScores);
    const gguf::Array *a = v ? v->as_array() : nullptr;
    if (a == nullptr || a->element_type != gguf::ValueType::Float32 || a->items.size() != tokens.size()) {
      throw ModelError("metadata 'tokenizer.ggml.scores' must be a float32 array with one entry per token");
    }
    std::vector<float> scores;
    scores.reserve(a->items.size());
    for (const auto &item : a->items) {
      scores.push_back(static_cast<float>(*item.as_double()));
    }
    t = from_spm_vocab(std::move(tokens), std::move(types), std::move(scores),
                       optional_bool(file, keys::kAddSpacePrefix).value_or(true));
    t.add_bos_ = true;
    // llama.cpp's defaults for this vocabulary: <unk> 0, <s> 1, </s> 2.
    t.unk_ = t.size() > 0 ? std::optional<int32_t>(0) : std::nullopt;
    t.bos_ = t.size() > 1 ? std::optional<int32_t>(1) : std::nullopt;
    t.eos_ = t.size() > 2 ? std::optional<int32_t>(2) : std::nullopt;
  }
  if (auto id = optional_token_id(file, keys::kEosTokenId, t.size())) t.eos_ = id;
  if (auto id = optional_token_id(file, keys::kBosTokenId, t.size())) t.bos_ = id;
  if (auto id = optional_token_id(file, keys::kUnknownTokenId, t.size())) t.unk_ = id;
  if (auto add = optional_bool(file, keys::kAddBosToken)) t.add_bos_ = *add;
  if (t.add_bos_ && !t.bos_) {
    throw ModelError("the tokenizer adds a BOS token, but 'tokenizer.ggml.bos_token_id' is missing");
  }
  return t;
}

void Tokenizer::bpe(const std::string &piece, std::vector<int32_t> &out) const {
  std::vector<std::string> symbols;
  symbols.reserve(piece.size());
  for (unsigned char b : piece) {
    symbols.push_back(byte_to_symbol(b));
  }
  if (pre_.ignore_merges) {
    std::string whole;
    for (const std::string &s : symbols) whole += s;
    if (auto it = ids_.find(whole); it != ids_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  while (symbols.size() > 1) {
    int32_t best_rank = std::numeric_limits<int32_t>::max();
    size_t best = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merge_ranks_.find(symbols[i] + " " + symbols[i + 1]);
      if (it != merge_ranks_.end() && it->second < best_rank) {
        best_rank = it->second;
        best = i;
      }
    }
    if (best_rank == std::numeric_limits<int32_t>::max()) {
      break;
    }
    // Merge every occurrence of the best pair, left to right.
    const std::string left = symbols[best], right = symbols[best + 1];
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
        merged.push_back(left + right);
        ++i;
      } else {
        merged.push_back(symbols[i]);
      }
    }
    symbols.swap(merged);
  }
  for (const std::string &s : symbols) {
    auto it = ids_.find(s);
    if (it != ids_.end()) {
      out.push_back(it->second);
      continue;
    }
    // Not in the vocabulary: fall back to its single-byte symbols.
    for (const CodePoint &cp : decode_utf8(s)) {
      const std::string one = s.substr(cp.begin, cp.end - cp.begin);
      auto byte_it = ids_.find(one);
      if (byte_it == ids_.end()) {
        throw ModelError("tokenizer: the vocabulary has no token for the byte symbol '" + one + "'");
      }
      out.push_back(byte_it->second);
    }
  }
}

void Tokenizer::spm(std::string_view text, std::vector<int32_t> &out) const {
  // Symbols: the UTF-8 characters of the text, spaces already "▁".
  std::vector<std::string> symbols;
  for (const CodePoint &cp : decode_utf8(text)) {
    symbols.emplace_back(text.substr(cp.begin, cp.end - cp.begin));
  }
  // Merge the adjacent pair whose concatenation is the token of highest
  // score (the leftmost among equals) until no pair is a token.
  for (;;) {
    size_t best = symbols.size();
    float best_score = 0.0f;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = ids_.find(symbols[i] + symbols[i + 1]);
      if (it == ids_.end()) {
        continue;
      }
      const float score = scores_[static_cast<size_t>(it->second)];
      if (best == symbols.size() || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    if (best == symbols.size()) {
      break;
    }
    symbols[best] += symbols[best + 1];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  static const char kHex[] = "0123456789ABCDEF";
  for (const std::string &s : symbols) {
    if (auto it = ids_.find(s); it != ids_.end()) {
      out.push_back(it->second);
      continue;
    }
    for (unsigned char b : s) { // byte fallback
      const std::string byte_token = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
      if (auto it = ids_.find(byte_token); it != ids_.end()) {
        out.push_back(it->second);
      } else if (unk_) {
        out.push_back(*unk_);
      } else {
        throw ModelError("tokenizer: the vocabulary has no token for the byte " + byte_token + " and no <unk>");
      }
    }
  }
}

void Tokenizer::encode_plain(std::string_view text, bool after_special, std::vector<int32_t> &out) const {
  if (kind_ == Kind::Gpt2Bpe) {
    for (const std::string &piece : pre_tokenize(text, pre_)) {
      bpe(piece, out);
    }
    return;
  }
  if (text.empty()) {
    return;
  }
  std::string escaped = add_space_prefix_ && after_special ? "\xe2\x96\x81" : "";
  for (char c : text) {
    if (c == ' ') {
      escaped += "\xe2\x96\x81"; // U+2581 '▁'
    } else {
      escaped += c;
    }
  }
  spm(escaped, out);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  if (add_bos_ && bos_) {
    out.push_back(*bos_);
  }
  size_t start = 0;
  bool after_special = true; // the text's start counts as after a special token
  size_t i = 0;
  while (i < text.size()) {
    bool matched = false;
    for (const auto &[special, id] : specials_) {
      if (text.compare(i, special.size(), special) == 0) {
        if (i > start) {
          encode_plain(text.substr(start, i - start), after_special, out);
        }
        out.push_back(id);
        i += special.size();
        start = i;
        after_special = true;
        matched = true;
        break;
      }
    }
    if (!matched) {
      ++i;
    }
  }
  if (text.size() > start) {
    encode_plain(text.substr(start), after_special, out);
  }
  return out;
}

std::string Tokenizer::decode_spm_token(int32_t id) const {
  const std::string &token = tokens_[static_cast<size_t>(id)];
  if (types_[static_cast<size_t>(id)] == TokenType::Byte && token.size() == 6 && token.rfind("<0x", 0) == 0) {
    return std::string(1, static_cast<char>(std::stoi(token.substr(3, 2), nullptr, 16)));
  }
  std::string text;
  for (size_t i = 0; i < token.size();) {
    if (token.compare(i, 3, "\xe2\x96\x81") == 0) {
      text += ' ';
      i += 3;
    } else {
      text += token[i++];
    }
  }
  return text;
}

std::string Tokenizer::decode_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) {
    throw ModelError("token id " + std::to_string(id) + " is out of range (vocabulary of " +
                     std::to_string(tokens_.size()) + ")");
  }
  const std::string &token = tokens_[static_cast<size_t>(id)];
  if (types_[static_cast<size_t>(id)] == TokenType::Control ||
      types_[static_cast<size_t>(id)] == TokenType::UserDefined) {
    return token;
  }
  if (kind_ == Kind::SentencePiece) {
    return decode_spm_token(id);
  }
  std::string bytes;
  const auto &map = byte_symbols().from_code_point;
  for (const CodePoint &cp : decode_utf8(token)) {
    auto it = map.find(cp.cp);
    if (it != map.end() && cp.cp != 0xFFFD) {
      bytes += static_cast<char>(it->second);
    } else {
      bytes.append(token, cp.begin, cp.end - cp.begin);
    }
  }
  return bytes;
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string text;
  for (int32_t id : ids) {
    text += decode_token(id);
  }
  return text;
}

} // namespace worker::model
