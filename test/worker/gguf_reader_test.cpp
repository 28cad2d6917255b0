// The GGUF reader on valid files (every value type, alignment, layout) and on
// damaged ones (each error kind with its exact message).
#include "gguf/gguf_file.hpp"
#include "gguf/gguf_writer.hpp"
#include "gguf_test_util.hpp"
#include "raw_gguf.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace worker::gguf {
namespace {

using test::parse_bytes;
using test::parse_error;
using test::RawGguf;

constexpr uint32_t kF32 = 0, kF16 = 1, kQ8_0 = 8;

// One tensor "w" (F32 [2, 3]) and one metadata entry.
RawGguf minimal_file() {
  RawGguf f;
  f.header(1, 1).key("general.architecture", 8).str("qwen2");
  f.tensor_info("w", {2, 3}, kF32, 0).pad_to(32);
  for (int i = 0; i < 6; ++i) f.f32(static_cast<float>(i));
  return f;
}

TEST(GgufReader, ReadsHeaderMetadataAndTensorLayout) {
  const RawGguf raw = minimal_file();
  const File file = parse_bytes(raw.bytes());
  EXPECT_EQ(file.version(), 3u);
  EXPECT_EQ(file.alignment(), 32u);
  // 24 header + (8+20+4+8+5) kv + (8+1+4+16+4+8) tensor info = 110 -> 128
  EXPECT_EQ(file.data_offset(), 128u);
  ASSERT_EQ(file.metadata().size(), 1u);
  EXPECT_EQ(file.metadata()[0].key, "general.architecture");
  EXPECT_EQ(*file.find("general.architecture"), Value::string("qwen2"));
  EXPECT_EQ(file.find("general.name"), nullptr);
  ASSERT_EQ(file.tensors().size(), 1u);
  const TensorInfo &t = file.tensors()[0];
  EXPECT_EQ(t.name, "w");
  EXPECT_EQ(t.dims, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(t.type(), TensorType::F32);
  EXPECT_EQ(t.n_elements, 6u);
  EXPECT_EQ(t.n_bytes, 24u);
  EXPECT_EQ(t.offset, 0u);
  EXPECT_EQ(t.file_offset, 128u);
  EXPECT_EQ(t.shape_string(), "[2, 3]");
  EXPECT_EQ(file.find_tensor("w"), &file.tensors()[0]);
  EXPECT_EQ(file.find_tensor("x"), nullptr);
}

TEST(GgufReader, AcceptsVersion2WithTheSameLayout) {
  RawGguf f;
  f.header(0, 1, 2).key("a.b", 4).u32(7);
  const File file = parse_bytes(f.bytes());
  EXPECT_EQ(file.version(), 2u);
  EXPECT_EQ(*file.find("a.b"), Value::u32(7));
}

TEST(GgufReader, RoundTripsEveryValueTypeThroughTheWriter) {
  Writer w;
  w.add_metadata("t.u8", Value::u8(200));
  w.add_metadata("t.i8", Value::i8(-7));
  w.add_metadata("t.u16", Value::u16(60000));
  w.add_metadata("t.i16", Value::i16(-30000));
  w.add_metadata("t.u32", Value::u32(4000000000u));
  w.add_metadata("t.i32", Value::i32(-2000000000));
  w.add_metadata("t.f32", Value::f32(0.1f));
  w.add_metadata("t.bool", Value::boolean(true));
  w.add_metadata("t.str", Value::string("h\xc3\xa9llo"));
  w.add_metadata("t.u64", Value::u64(18000000000000000000ull));
  w.add_metadata("t.i64", Value::i64(-9000000000000000000ll));
  w.add_metadata("t.f64", Value::f64(-2.5e-300));
  w.add_metadata("t.strs", Value::string_array({"a", "", "\xc4\xa0the"}));
  w.add_metadata("t.empty", Value::array(Array{ValueType::Float64, {}}));
  Array inner1{ValueType::Int32, {Value::i32(1), Value::i32(2)}};
  Array inner2{ValueType::Int32, {Value::i32(3)}};
  w.add_metadata("t.nested", Value::array(Array{ValueType::Array, {Value::array(inner1), Value::array(inner2)}}));
  std::vector<uint8_t> f32(4 * 6), f16(2 * 5), q8(34 * 2);
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < f16.size(); ++i) f16[i] = static_cast<uint8_t>(100 + i);
  for (size_t i = 0; i < q8.size(); ++i) q8[i] = static_cast<uint8_t>(7 * i);
  w.add_tensor("a", TensorType::F32, {3, 2}, f32);
  w.add_tensor("b", TensorType::F16, {5}, f16);
  w.add_tensor("c", TensorType::Q8_0, {32, 2}, q8);

  test::TempFile tmp(".gguf");
  w.write(tmp.path());
  const File file = File::open(tmp.path());
  ASSERT_EQ(file.metadata().size(), w.metadata().size());
  for (size_t i = 0; i < w.metadata().size(); ++i) {
    EXPECT_EQ(file.metadata()[i].key, w.metadata()[i].key);
    EXPECT_EQ(file.metadata()[i].value, w.metadata()[i].value) << w.metadata()[i].key;
  }
  EXPECT_EQ(file.data_offset(), w.data_offset());
  EXPECT_EQ(file.file_size(), w.to_bytes().size());
  EXPECT_EQ(file.file_size() % 32, 0u); // the last tensor is padded too
  ASSERT_EQ(file.tensors().size(), 3u);
  EXPECT_EQ(file.tensors()[0].offset, 0u);
  EXPECT_EQ(file.tensors()[1].offset, 32u);  // 24 bytes, padded to 32
  EXPECT_EQ(file.tensors()[2].offset, 64u);  // 10 bytes, padded to 32
  EXPECT_EQ(file.tensors()[2].n_bytes, 68u); // two Q8_0 blocks
  EXPECT_EQ(file.read_tensor_data(file.tensors()[0]), f32);
  EXPECT_EQ(file.read_tensor_data(file.tensors()[1]), f16);
  EXPECT_EQ(file.read_tensor_data(file.tensors()[2]), q8);
  EXPECT_EQ(file.total_tensor_bytes(), 24u + 10u + 68u);
}

TEST(GgufReader, HonoursGeneralAlignment) {
  Writer w;
  w.add_metadata("general.alignment", Value::u32(256));
  w.add_tensor("a", TensorType::F32, {3}, std::vector<uint8_t>(12, 1));
  w.add_tensor("b", TensorType::F32, {1}, std::vector<uint8_t>(4, 2));
  const File file = parse_bytes(w.to_bytes());
  EXPECT_EQ(file.alignment(), 256u);
  EXPECT_EQ(file.data_offset() % 256, 0u);
  EXPECT_EQ(file.tensors()[1].offset, 256u);
  EXPECT_EQ(file.file_size(), file.data_offset() + 512);
}

TEST(GgufReader, EveryTruncationIsAnErrorNeverACrash) {
  const std::vector<uint8_t> full = minimal_file().bytes();
  const File whole = parse_bytes(full);
  // 110 bytes of header structures; everything after them is padding + data.
  const size_t header_end = 110;
  for (size_t n = 0; n < full.size(); ++n) {
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
    const Error e = parse_error(cut);
    EXPECT_EQ(e.kind(), n < header_end ? ErrorKind::Truncated : ErrorKind::OutOfRange)
        << "prefix of " << n << " bytes: " << e.what();
  }
  EXPECT_EQ(whole.tensors().size(), 1u);
}

TEST(GgufReader, TruncationMessageNamesTheItemAndOffset) {
  std::vector<uint8_t> bytes = minimal_file().bytes();
  bytes.resize(80); // inside the tensor info's dimensions
  EXPECT_STREQ(parse_error(bytes).what(),
               "mem: truncated file: tensor info #0 ('w'): dimension count needs 4 bytes at "
               "offset 78, but the file ends at 80");
}

TEST(GgufReader, RejectsWrongMagic) {
  std::vector<uint8_t> bytes = minimal_file().bytes();
  bytes[3] = 'X';
  const Error e = parse_error(bytes);
  EXPECT_EQ(e.kind(), ErrorKind::BadMagic);
  EXPECT_STREQ(e.what(), "mem: not a GGUF file: the magic is \"GGUX\" (0x58554747), expected \"GGUF\"");
}

TEST(GgufReader, RejectsUnsupportedVersions) {
  for (uint32_t version : {1u, 4u}) {
    RawGguf f;
    f.header(0, 0, version);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::UnsupportedVersion);
    EXPECT_EQ(std::string(e.what()), "mem: unsupported GGUF version " + std::to_string(version) +
                                         " (this reader reads versions 2 and 3)");
  }
  RawGguf big_endian;
  big_endian.header(0, 0, 0x03000000u);
  const Error e = parse_error(big_endian.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::UnsupportedVersion);
  EXPECT_STREQ(e.what(), "mem: unsupported GGUF file: big-endian files are not supported "
                         "(version field 0x3000000)");
}

TEST(GgufReader, RejectsUnknownTensorType) {
  RawGguf f;
  f.header(1, 0).tensor_info("w", {4}, 4 /* Q4_2, removed from GGML */, 0).pad_to(32).fill(32, 0);
  const Error e = parse_error(f.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::UnsupportedTensorType);
  EXPECT_STREQ(e.what(), "mem: tensor info #0 ('w'): unsupported tensor type 4 at offset 45 "
                         "(not a GGML type)");
}

TEST(GgufReader, RejectsTensorDataOutsideTheFile) {
  RawGguf f;
  f.header(1, 0).tensor_info("w", {8}, kF32, 32).pad_to(32).fill(32, 0);
  const Error e = parse_error(f.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::OutOfRange);
  EXPECT_STREQ(e.what(), "mem: tensor 'w' (F32 [8], 32 bytes): data [96, 128) lies outside "
                         "the file (96 bytes)");
}

TEST(GgufReader, RejectsMisalignedTensorOffset) {
  RawGguf f;
  f.header(1, 0).tensor_info("w", {1}, kF32, 4).pad_to(32).fill(64, 0);
  const Error e = parse_error(f.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::InvalidAlignment);
  EXPECT_STREQ(e.what(), "mem: tensor 'w': data offset 4 is not a multiple of the alignment 32");
}

TEST(GgufReader, RejectsOverlappingTensors) {
  RawGguf f;
  f.header(2, 0).tensor_info("a", {16}, kF32, 0).tensor_info("b", {8}, kF32, 32).pad_to(32).fill(96, 0);
  const Error e = parse_error(f.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::OutOfRange);
  EXPECT_STREQ(e.what(), "mem: tensors 'a' [0, 64) and 'b' [32, 64) overlap in the data section");
}

TEST(GgufReader, RejectsSizeAndOffsetOverflow) {
  {
    RawGguf f;
    f.header(1, 0).tensor_info("w", {1ull << 40, 1ull << 40}, kF32, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Overflow);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 ('w'): the element count of shape "
                           "[1099511627776, 1099511627776] overflows int64");
  }
  {
    RawGguf f;
    f.header(1, 0).tensor_info("w", {1ull << 63}, kF32, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Overflow);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 ('w'): dimension 9223372036854775808 does not fit in int64");
  }
  {
    RawGguf f;
    f.header(1, 0).tensor_info("w", {1ull << 62}, kF32, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Overflow);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 ('w'): the byte size of shape [4611686018427387904] "
                           "overflows 64 bits");
  }
  {
    RawGguf f;
    f.header(1, 0).tensor_info("w", {8}, kF32, 0xFFFFFFFFFFFFFFE0ull).pad_to(32);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Overflow);
    EXPECT_STREQ(e.what(), "mem: tensor 'w': data offset 18446744073709551584 + size 32 overflows 64 bits");
  }
}

TEST(GgufReader, RejectsDuplicateKeysAndTensorNames) {
  {
    RawGguf f;
    f.header(0, 2).key("a.b", 4).u32(1).key("a.b", 4).u32(2);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::DuplicateKey);
    EXPECT_STREQ(e.what(), "mem: duplicate metadata key 'a.b' (entry #1 at offset 43)");
  }
  {
    RawGguf f;
    f.header(2, 0).tensor_info("w", {1}, kF32, 0).tensor_info("w", {1}, kF32, 32).pad_to(32).fill(64, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::DuplicateTensor);
    EXPECT_STREQ(e.what(), "mem: duplicate tensor name 'w' (tensor info #1 at offset 57)");
  }
}

TEST(GgufReader, RejectsInvalidValueTypes) {
  {
    RawGguf f;
    f.header(0, 1).key("k", 13).u32(0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidValueType);
    EXPECT_STREQ(e.what(), "mem: metadata entry #0 ('k'): invalid value type 13 at offset 33 (GGUF defines 0..12)");
  }
  {
    RawGguf f;
    f.header(0, 1).key("k", 7).u8(2);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidValueType);
    EXPECT_STREQ(e.what(), "mem: metadata entry #0 ('k'): bool value 2 at offset 37 is neither 0 nor 1");
  }
}

TEST(GgufReader, RejectsHugeCountsBeforeAllocating) {
  {
    RawGguf f;
    f.header(0, 1).key("k", 9).u32(4).u64(1ull << 62);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Truncated);
    EXPECT_STREQ(e.what(), "mem: truncated file: metadata entry #0 ('k'): array of 4611686018427387904 "
                           "uint32 elements at offset 49 needs at least 2^64 bytes, but the file ends at 49");
  }
  {
    RawGguf f;
    f.header(0, 1).key("k", 8).u64(1ull << 60).fill(10, 'x');
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Truncated);
    EXPECT_STREQ(e.what(), "mem: truncated file: metadata entry #0 ('k'): string value needs "
                           "1152921504606846976 bytes at offset 45, but the file ends at 55");
  }
  {
    RawGguf f;
    f.header(1ull << 40, 0);
    EXPECT_EQ(parse_error(f.bytes()).kind(), ErrorKind::Truncated);
  }
}

TEST(GgufReader, LimitsArrayNesting) {
  RawGguf f;
  f.header(0, 1).key("k", 9);
  for (uint32_t i = 0; i < kMaxArrayNesting; ++i) f.u32(9).u64(1);
  f.u32(4).u64(1).u32(0);
  const Error e = parse_error(f.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::LimitExceeded);
  EXPECT_EQ(std::string(e.what()), "mem: metadata entry #0 ('k'): arrays nested deeper than 8 levels at offset " +
                                       std::to_string(37 + 12 * kMaxArrayNesting));
}

TEST(GgufReader, RejectsBadShapes) {
  {
    RawGguf f;
    f.header(1, 0).tensor_info("w", {1, 1, 1, 1, 1}, kF32, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidTensorShape);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 ('w'): 5 dimensions (at most 4)");
  }
  {
    RawGguf f;
    f.header(1, 0).tensor_info("w", {33, 2}, kQ8_0, 0).pad_to(32).fill(128, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidTensorShape);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 ('w'): type Q8_0 stores blocks of 32 elements, "
                           "but the first dimension of [33, 2] is 33");
  }
}

TEST(GgufReader, RejectsInvalidAlignment) {
  for (uint32_t bad : {0u, 3u, 48u}) {
    RawGguf f;
    f.header(0, 1).key("general.alignment", 4).u32(bad);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidAlignment);
    EXPECT_EQ(std::string(e.what()),
              "mem: general.alignment is " + std::to_string(bad) + ", not a non-zero power of two");
  }
  RawGguf f;
  f.header(0, 1).key("general.alignment", 5).i32(32);
  const Error e = parse_error(f.bytes());
  EXPECT_EQ(e.kind(), ErrorKind::InvalidAlignment);
  EXPECT_STREQ(e.what(), "mem: general.alignment has type int32, expected uint32");
}

TEST(GgufReader, RejectsInvalidKeysAndNames) {
  {
    RawGguf f;
    f.header(0, 1).key("", 4).u32(1);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidString);
    EXPECT_STREQ(e.what(), "mem: metadata entry #0 at offset 24: the key is empty");
  }
  {
    RawGguf f;
    f.header(1, 0).tensor_info("bad\xff", {1}, kF32, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidString);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 at offset 24: the tensor name is not valid UTF-8");
  }
  {
    RawGguf f;
    f.header(1, 0).tensor_info(std::string(64, 'n'), {1}, kF32, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::InvalidString);
    EXPECT_STREQ(e.what(), "mem: tensor info #0 at offset 24: the tensor name is longer than 63 bytes");
  }
}

TEST(GgufReader, OpenReportsMissingFilesAndDirectories) {
  try {
    File::open("/nonexistent/model.gguf");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
    EXPECT_STREQ(e.what(), "/nonexistent/model.gguf: cannot open: No such file or directory");
  }
  try {
    File::open("/");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
    EXPECT_STREQ(e.what(), "/: not a regular file");
  }
}

TEST(GgufReader, ReadTensorDataNoticesAFileThatShrankAfterOpening) {
  test::TempFile tmp(".gguf");
  const std::vector<uint8_t> full = minimal_file().bytes();
  tmp.write(full);
  const File file = File::open(tmp.path());
  tmp.write(std::vector<uint8_t>(full.begin(), full.begin() + 140));
  try {
    file.read_tensor_data(file.tensors()[0]);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::Truncated);
    EXPECT_EQ(std::string(e.what()), tmp.path() + ": tensor 'w': could read only 12 of 24 bytes at "
                                                  "offset 128 (was the file changed after it was opened?)");
  }
}

TEST(GgufReader, RandomlyDamagedFilesNeverCrash) {
  // Deterministic damage: 3000 copies of a small model with 1-4 bytes
  // overwritten in the header structures and at random places. Each parse
  // either succeeds or throws gguf::Error; nothing else may happen (the
  // sanitizer builds check memory safety).
  Writer w;
  w.add_metadata("general.architecture", Value::string("qwen2"));
  w.add_metadata("x.strs", Value::string_array({"a", "bc", "def"}));
  w.add_metadata("x.nested", Value::array(Array{ValueType::Array, {Value::i32_array({1, 2})}}));
  w.add_tensor("a", TensorType::F16, {4, 2}, std::vector<uint8_t>(16, 1));
  w.add_tensor("b", TensorType::Q8_0, {32}, std::vector<uint8_t>(34, 2));
  const std::vector<uint8_t> good = w.to_bytes();
  const size_t header = w.data_offset();
  uint64_t state = 42;
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  size_t parsed = 0, rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> bytes = good;
    const int damage = 1 + static_cast<int>(next() % 4);
    for (int d = 0; d < damage; ++d) {
      const size_t at = next() % (i % 2 == 0 ? header : bytes.size());
      bytes[at] = static_cast<uint8_t>(next());
    }
    if (next() % 4 == 0) {
      bytes.resize(next() % bytes.size());
    }
    try {
      const File file = parse_bytes(bytes);
      ++parsed;
      for (const auto &t : file.tensors()) {
        ASSERT_LE(t.file_offset + t.n_bytes, file.file_size()) << t.name;
      }
    } catch (const Error &) {
      ++rejected;
    }
  }
  EXPECT_EQ(parsed + rejected, 3000u);
  EXPECT_GT(rejected, 1000u); // most damage to the header is detected
}

TEST(GgufTypes, KnowsGgmlBlockLayouts) {
  EXPECT_EQ(tensor_type_traits(0)->block_bytes, 4u);
  EXPECT_EQ(tensor_type_traits(1)->block_bytes, 2u);
  EXPECT_EQ(tensor_type_traits(12)->block_elements, 256u); // Q4_K
  EXPECT_EQ(tensor_type_traits(12)->block_bytes, 144u);
  EXPECT_EQ(tensor_type_traits(14)->block_bytes, 210u);    // Q6_K
  EXPECT_EQ(tensor_type_traits(30)->block_bytes, 2u);      // BF16
  EXPECT_FALSE(tensor_type_traits(4).has_value());
  EXPECT_FALSE(tensor_type_traits(31).has_value());
  EXPECT_EQ(tensor_type_name(12), "Q4_K");
  EXPECT_EQ(tensor_type_name(99), "unknown(99)");
}

TEST(GgufUtf8, ValidatesEncodings) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc4\xa0the \xe2\x98\x83 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x98"));         // cut short
}

} // namespace
} // namespace worker::gguf
