// The GGUF writer: byte-exact layout against a hand-assembled file, and its
// refusals of inconsistent input.
#include "gguf/gguf_writer.hpp"
#include "gguf_test_util.hpp"
#include "raw_gguf.hpp"

#include <gtest/gtest.h>

namespace worker::gguf {
namespace {

TEST(GgufWriter, WritesTheExactGgufV3Layout) {
  Writer w;
  w.add_metadata("general.architecture", Value::string("qwen2"));
  w.add_metadata("x.list", Value::i32_array({-1, 2}));
  w.add_metadata("x.flag", Value::boolean(true));
  w.add_tensor("a", TensorType::F32, {2}, {1, 2, 3, 4, 5, 6, 7, 8});
  w.add_tensor("b", TensorType::F16, {3}, {9, 10, 11, 12, 13, 14});

  test::RawGguf want;
  want.header(2, 3);
  want.key("general.architecture", 8).str("qwen2");
  want.key("x.list", 9).u32(5).u64(2).i32(-1).i32(2);
  want.key("x.flag", 7).u8(1);
  want.tensor_info("a", {2}, 0, 0).tensor_info("b", {3}, 1, 32).pad_to(32);
  const size_t data = want.size();
  for (uint8_t b = 1; b <= 8; ++b) want.u8(b);
  want.pad_to(32);
  for (uint8_t b = 9; b <= 14; ++b) want.u8(b);
  want.pad_to(32);

  EXPECT_EQ(w.to_bytes(), want.bytes());
  EXPECT_EQ(w.data_offset(), data);
}

TEST(GgufWriter, RefusesDuplicates) {
  Writer w;
  w.add_metadata("k", Value::u8(1));
  try {
    w.add_metadata("k", Value::u8(2));
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::DuplicateKey);
    EXPECT_STREQ(e.what(), "duplicate metadata key 'k'");
  }
  w.add_tensor("t", TensorType::F32, {1}, {0, 0, 0, 0});
  try {
    w.add_tensor("t", TensorType::F32, {1}, {0, 0, 0, 0});
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::DuplicateTensor);
    EXPECT_STREQ(e.what(), "duplicate tensor name 't'");
  }
}

TEST(GgufWriter, RefusesDataOfTheWrongSize) {
  Writer w;
  try {
    w.add_tensor("t", TensorType::F16, {4, 2}, std::vector<uint8_t>(15));
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_STREQ(e.what(), "tensor 't': F16 shape needs 16 bytes, got 15");
  }
}

TEST(GgufWriter, RefusesBadAlignmentAndMixedArrays) {
  Writer w;
  EXPECT_THROW(w.add_metadata("general.alignment", Value::u32(24)), Error);
  EXPECT_THROW(w.add_metadata("general.alignment", Value::u64(64)), Error);
  Array mixed{ValueType::Int32, {Value::i32(1), Value::u8(2)}};
  try {
    w.add_metadata("m", Value::array(mixed));
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_STREQ(e.what(), "metadata m: item 1 has type uint8, the array holds int32");
  }
  w.add_tensor("t", TensorType::F32, {1}, {0, 0, 0, 0});
  try {
    w.add_metadata("general.alignment", Value::u32(64));
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_STREQ(e.what(), "general.alignment must be set before the first tensor is added");
  }
}

TEST(GgufWriter, ReportsUnwritablePaths) {
  Writer w;
  try {
    w.write("/nonexistent-dir/out.gguf");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
    EXPECT_STREQ(e.what(), "/nonexistent-dir/out.gguf: cannot create: No such file or directory");
  }
}

} // namespace
} // namespace worker::gguf
