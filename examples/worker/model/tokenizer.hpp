// The two tokenizers of GGUF files that this worker reads, as llama.cpp
// runs them (src/llama-vocab.cpp):
//  - "gpt2": byte-level BPE (Qwen2, Llama 3): tokens, token types and merges.
//    tokenizer.ggml.pre picks the split pattern: "qwen2" (single digits) or
//    "llama-bpe"/"llama3"/"llama-v3" (digit runs of up to 3; a piece that is
//    a whole token is taken as it is, without merges; BOS added by default).
//    Other pre-tokenizers are refused with their name.
//  - "llama": SentencePiece-style BPE (Llama 1/2): "▁" stands for a space
//    and is put before the text (tokenizer.ggml.add_space_prefix, default
//    true); adjacent symbols merge while their concatenation is a token,
//    highest score first (leftmost among equals); a symbol that is not a
//    token falls back to its bytes' <0xXX> tokens. BOS added by default.
// tokenizer.ggml.add_bos_token overrides the default. Control, user-defined
// and unknown-type tokens in the text are matched literally.
//
// The BPE pre-tokenizer follows the split patterns exactly for ASCII text;
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

// How a gpt2 vocabulary splits text before the merges (tokenizer.ggml.pre).
struct BpePreTokenizer {
  uint32_t max_digits = 1;    // \p{N} (qwen2) or \p{N}{1,3} (llama3)
  bool ignore_merges = false; // a piece that is a token is taken whole (llama3)
};

class Tokenizer {
public:
  enum class Kind { Gpt2Bpe, SentencePiece };
  using PreTokenizer = BpePreTokenizer;

  // Throws ModelError when the metadata is missing or inconsistent.
  static Tokenizer from_gguf(const gguf::File &file, uint32_t n_vocab);
  // For tests and the fixture writer: tokens (byte-level strings), types, merges ("a b").
  static Tokenizer from_vocab(std::vector<std::string> tokens, std::vector<TokenType> types,
                              const std::vector<std::string> &merges);

  // For tests: a SentencePiece vocabulary (tokens, types, scores).
  static Tokenizer from_spm_vocab(std::vector<std::string> tokens, std::vector<TokenType> types,
                                  std::vector<float> scores, bool add_space_prefix = true);

  // The token ids of `text`, with BOS first when the vocabulary says so.
  std::vector<int32_t> encode(std::string_view text) const;
  // Bytes of the tokens; control tokens appear as their text.
  std::string decode(const std::vector<int32_t> &ids) const;
  std::string decode_token(int32_t id) const;

  size_t size() const { return tokens_.size(); }
  const std::string &token(int32_t id) const { return tokens_.at(static_cast<size_t>(id)); }
  std::optional<int32_t> eos() const { return eos_; }
  std::optional<int32_t> bos() const { return bos_; }
  bool adds_bos() const { return add_bos_; }
  Kind kind() const { return kind_; }

  // The BPE pre-tokenizer alone (pieces of the input, as byte strings).
  static std::vector<std::string> pre_tokenize(std::string_view text, BpePreTokenizer pre = BpePreTokenizer());
  // GPT-2's reversible byte -> code point map, as UTF-8.
  static const std::string &byte_to_symbol(uint8_t byte);

private:
  void index();
  void bpe(const std::string &piece, std::vector<int32_t> &out) const;
  void spm(std::string_view text, std::vector<int32_t> &out) const;
  void encode_plain(std::string_view text, bool after_special, std::vector<int32_t> &out) const;
  std::string decode_spm_token(int32_t id) const;

  Kind kind_ = Kind::Gpt2Bpe;
  PreTokenizer pre_;
  std::vector<float> scores_;       // SentencePiece only
  bool add_space_prefix_ = false;   // SentencePiece only
  bool add_bos_ = false;
  std::optional<int32_t> bos_;
  std::optional<int32_t> unk_;
  std::vector<std::string> tokens_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<std::string, int32_t> merge_ranks_; // "left right" -> rank
  std::vector<std::pair<std::string, int32_t>> specials_; // longest first
  std::optional<int32_t> eos_;
};

} // namespace worker::model
