// The byte-level BPE tokenizer: Qwen2's pre-tokenizer splits, merges by rank,
// control tokens, and lossless decoding.
#include "model/model_error.hpp"
#include "model/tiny_qwen2.hpp"
#include "model/tokenizer.hpp"

#include <gtest/gtest.h>

namespace worker::model {
namespace {

Tokenizer tiny_tokenizer() {
  TinyVocab v = tiny_vocab();
  std::vector<TokenType> types;
  for (int32_t t : v.types) types.push_back(static_cast<TokenType>(t));
  return Tokenizer::from_vocab(v.tokens, types, v.merges);
}

TEST(Tokenizer, PreTokenizesLikeQwen2) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Tokenizer::pre_tokenize("Hello world's 123  foo\n\n bar!!\n"),
            (V{"Hello", " world", "'s", " ", "1", "2", "3", " ", " foo", "\n\n", " bar", "!!\n"}));
  EXPECT_EQ(Tokenizer::pre_tokenize("I'LL go"), (V{"I", "'LL", " go"}));
  EXPECT_EQ(Tokenizer::pre_tokenize("a  "), (V{"a", "  "}));
  EXPECT_EQ(Tokenizer::pre_tokenize("x = (y+1);"), (V{"x", " =", " (", "y", "+", "1", ");"}));
  EXPECT_EQ(Tokenizer::pre_tokenize("\t\tif"), (V{"\t", "\tif"}));
  EXPECT_EQ(Tokenizer::pre_tokenize("caf\xc3\xa9 ok"), (V{"caf\xc3\xa9", " ok"}));
  EXPECT_EQ(Tokenizer::pre_tokenize(""), V{});
}

TEST(Tokenizer, MapsBytesToGpt2Symbols) {
  EXPECT_EQ(Tokenizer::byte_to_symbol('a'), "a");
  EXPECT_EQ(Tokenizer::byte_to_symbol(' '), "\xc4\xa0");  // U+0120 'Ġ'
  EXPECT_EQ(Tokenizer::byte_to_symbol('\n'), "\xc4\x8a"); // U+010A 'Ċ'
  EXPECT_EQ(Tokenizer::byte_to_symbol(0), "\xc4\x80");    // U+0100
  EXPECT_EQ(Tokenizer::byte_to_symbol(0xff), "\xc3\xbf"); // U+00FF, itself
}

TEST(Tokenizer, MergesByRank) {
  const Tokenizer t = tiny_tokenizer();
  // "the": t,h,e -> t,he ("h e" rank 1; no "t he" merge).
  // " the": Ġ,t,h,e -> Ġt,h,e -> Ġt,he -> Ġthe (ranks 0, 1, 3).
  EXPECT_EQ(t.encode("the the"), (std::vector<int32_t>{'t', 257, 259}));
  EXPECT_EQ(t.encode(" in"), (std::vector<int32_t>{' ', 258}));
  EXPECT_EQ(t.encode("xyz"), (std::vector<int32_t>{'x', 'y', 'z'}));
}

TEST(Tokenizer, MatchesControlTokensLiterally) {
  const Tokenizer t = tiny_tokenizer();
  EXPECT_EQ(t.encode("<|im_start|>hi<|im_end|>"), (std::vector<int32_t>{267, 'h', 'i', 268}));
  EXPECT_EQ(t.decode({267, 'h', 'i', 268}), "<|im_start|>hi<|im_end|>");
  EXPECT_EQ(t.encode("<|im_sta"), (std::vector<int32_t>{'<', '|', 'i', 'm', '_', 's', 't', 'a'}));
}

TEST(Tokenizer, DecodingIsLossless) {
  const Tokenizer t = tiny_tokenizer();
  const std::string samples[] = {"the other thing\n\n  at once", std::string("\0\x01\xff\xfe bad utf8", 13),
                                 "caf\xc3\xa9 \xe2\x98\x83", "  leading and trailing  "};
  for (const std::string &s : samples) {
    EXPECT_EQ(t.decode(t.encode(s)), s);
  }
  EXPECT_EQ(t.decode_token(259), " the");
}

TEST(Tokenizer, RejectsBadVocabularies) {
  EXPECT_THROW(Tokenizer::from_vocab({"a"}, {}, {}), ModelError);
  try {
    Tokenizer::from_vocab({"a", "b"}, {TokenType::Normal, TokenType::Normal}, {"ab"});
    FAIL() << "no error";
  } catch (const ModelError &e) {
    EXPECT_STREQ(e.what(), "tokenizer: merge #0 'ab' is not two symbols separated by one space");
  }
  const Tokenizer t = tiny_tokenizer();
  try {
    t.decode_token(269);
    FAIL() << "no error";
  } catch (const ModelError &e) {
    EXPECT_STREQ(e.what(), "token id 269 is out of range (vocabulary of 269)");
  }
}

} // namespace
} // namespace worker::model
