// Text from a model file reaches messages escaped: gguf::printable() itself,
// describe() of string values, and the messages of gguf::Error and
// model::ModelError (exact output).
#include "gguf/gguf_error.hpp"
#include "gguf/gguf_file.hpp"
#include "gguf/printable.hpp"
#include "gguf_test_util.hpp"
#include "model/model_error.hpp"
#include "raw_gguf.hpp"

#include <gtest/gtest.h>

namespace worker::gguf {
namespace {

TEST(GgufPrintable, KeepsPrintableAsciiAndValidUtf8) {
  EXPECT_EQ(printable("qwen2 blk.0.attn_q.weight ~!\"'\\"), "qwen2 blk.0.attn_q.weight ~!\"'\\");
  EXPECT_EQ(printable("h\xc3\xa9llo \xe9\x80\x9a\xe4\xb9\x89 \xf0\x9f\x98\x80"),
            "h\xc3\xa9llo \xe9\x80\x9a\xe4\xb9\x89 \xf0\x9f\x98\x80");
  EXPECT_EQ(printable(""), "");
}

TEST(GgufPrintable, EscapesControlBytes) {
  EXPECT_EQ(printable(std::string("a\x1b[2Jb\r\n\t\x07\x7f", 11)), "a\\x1b[2Jb\\x0d\\x0a\\x09\\x07\\x7f");
  EXPECT_EQ(printable(std::string("nul\0end", 7)), "nul\\x00end");
}

TEST(GgufPrintable, EscapesInvalidUtf8ByteByByte) {
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable("\xc3"), "\\xc3");                 // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");         // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80"); // a surrogate
  EXPECT_EQ(printable("ok\xe9x"), "ok\\xe9x");
}

TEST(GgufPrintable, EscapesC1AndBidirectionalControls) {
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\u{009B}31m");              // CSI
  EXPECT_EQ(printable("abc\xe2\x80\xae" "cba"), "abc\\u{202E}cba");    // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(printable("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u{2066}x\\u{2069}");
  EXPECT_EQ(printable("a\xe2\x80\xa8" "b"), "a\\u{2028}b");            // LINE SEPARATOR
  EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");                         // NO-BREAK SPACE is kept
}

TEST(GgufPrintable, IsIdempotent) {
  const std::string once = printable("x\x1b\xff\xe2\x80\xae\xc2\x85y");
  EXPECT_EQ(once, "x\\x1b\\xff\\u{202E}\\u{0085}y");
  EXPECT_EQ(printable(once), once);
}

TEST(GgufPrintable, DescribeEscapesStringValues) {
  EXPECT_EQ(describe(Value::string("ll\x1b[31mama\xff")), "string \"ll\\x1b[31mama\\xff\"");
  // A 10 MB value once made one 41 MB line: a prefix and the length.
  EXPECT_EQ(describe(Value::string(std::string(10u << 20, 'a'))),
            "string \"" + std::string(64, 'a') + "\"... (10485760 bytes)");
}

TEST(GgufPrintable, ErrorMessagesHoldNoRawControlBytes) {
  EXPECT_STREQ(Error(ErrorKind::Io, "a\x1b" "b").what(), "a\\x1bb");
  EXPECT_STREQ(model::ModelError("unsupported architecture '\x1b]0;pwned\x07'").what(),
               "unsupported architecture '\\x1b]0;pwned\\x07'");
}

TEST(GgufPrintable, ReaderMessagesQuoteKeysAndNamesEscaped) {
  {
    test::RawGguf f;
    f.header(0, 2).key("k\x1b[2J", 4).u32(1).key("k\x1b[2J", 4).u32(2);
    const Error e = test::parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::DuplicateKey);
    EXPECT_STREQ(e.what(), "mem: duplicate metadata key 'k\\x1b[2J' (entry #1 at offset 45)");
  }
  {
    test::RawGguf f;
    f.header(1, 0).tensor_info("w\xe2\x80\xae\x7f", {32}, 5 /* removed Q4_3 */, 0);
    const Error e = test::parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::UnsupportedTensorType);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 ('w\\u{202E}\\x7f'): unsupported tensor type 5 at offset "
                           "49 (not a GGML type)");
  }
}

} // namespace
TEST(Printable, NameSummaryCountsAndShowsTheFirstFew) {
  std::vector<std::string> names;
  for (int i = 0; i < 20000; ++i) names.push_back("extra." + std::to_string(i));
  EXPECT_EQ(name_summary(names, "tensor"),
            "20000 tensors: 'extra.0', 'extra.1', 'extra.2', 'extra.3', 'extra.4' and 19995 more");
  EXPECT_EQ(name_summary({"a\x1b"}, "tensor"), "1 tensor: 'a\\x1b'");
  EXPECT_EQ(quoted_excerpt(std::string(100, 'n'), '\'', 4), "'nnnn'... (100 bytes)");
}

} // namespace worker::gguf
