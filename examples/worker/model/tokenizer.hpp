// Byte-level BPE tokenizer of GPT-2 style models (tokenizer.ggml.model =
// "gpt2", as Qwen2 uses), read from GGUF metadata: tokens, token types and
// merges. Control and user-defined tokens in the text are matched literally.
//
// The pre-tokenizer follows Qwen2's split pattern exactly for ASCII text;
// outside ASCII it treats every non-space code point as a letter (no Unicode
// category tables), which can split some non-Latin punctuation differently
// from the reference tokenizer. Token ids are always valid either way.
#pragma once

#include "gguf/gguf_file.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace worker::model {

// GGUF token types (tokenizer.ggml.token_type).
enum class TokenType : int32_t {
  Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6
};

class Tokenizer {
public:
  // Throws ModelError when the metadata is missing or inconsistent.
  static Tokenizer from_gguf(const gguf::File &file, uint32_t n_vocab);
  // For tests and the fixture writer: tokens (byte-level strings), types, merges ("a b").
  static Tokenizer from_vocab(std::vector<std::string> tokens, std::vector<TokenType> types,
                              const std::vector<std::string> &merges);

  std::vector<int32_t> encode(std::string_view text) const;
  // Bytes of the tokens; control tokens appear as their text.
  std::string decode(const std::vector<int32_t> &ids) const;
  std::string decode_token(int32_t id) const;

  size_t size() const { return tokens_.size(); }
  const std::string &token(int32_t id) const { return tokens_.at(static_cast<size_t>(id)); }
  std::optional<int32_t> eos() const { return eos_; }

  // The pre-tokenizer alone (pieces of the input, as byte strings).
  static std::vector<std::string> pre_tokenize(std::string_view text);
  // GPT-2's reversible byte -> code point map, as UTF-8.
  static const std::string &byte_to_symbol(uint8_t byte);

private:
  void index();
  void bpe(const std::string &piece, std::vector<int32_t> &out) const;

  std::vector<std::string> tokens_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<std::string, int32_t> merge_ranks_; // "left right" -> rank
  std::vector<std::pair<std::string, int32_t>> specials_; // longest first
  std::optional<int32_t> eos_;
};

} // namespace worker::model
