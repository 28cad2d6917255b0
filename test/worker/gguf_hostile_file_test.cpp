// Files made to hurt the reader: counts and sizes the file cannot hold are
// refused before anything is allocated for them, and the parsed header's
// memory stays proportional to its size in the file (measured here by
// counting every operator new of this test binary).
#include "gguf/gguf_file.hpp"
#include "gguf/gguf_writer.hpp"
#include "gguf_test_util.hpp"
#include "model/model_error.hpp"
#include "model/qwen2_config.hpp"
#include "model/tiny_qwen2.hpp"
#include "raw_gguf.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <new>

// ---- a counting operator new: live and peak bytes of the whole binary ---------

namespace {
std::atomic<size_t> g_live{0}, g_peak{0};

void *counted_alloc(size_t n) {
  void *p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  const size_t live = g_live.fetch_add(malloc_usable_size(p)) + malloc_usable_size(p);
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  return p;
}
void counted_free(void *p) noexcept {
  if (p != nullptr) {
    g_live.fetch_sub(malloc_usable_size(p));
    std::free(p);
  }
}
} // namespace

// Every unaligned form (the aligned ones keep the library's pair).
void *operator new(size_t n) { return counted_alloc(n); }
void *operator new[](size_t n) { return counted_alloc(n); }
void *operator new(size_t n, const std::nothrow_t &) noexcept {
  try {
    return counted_alloc(n);
  } catch (const std::bad_alloc &) {
    return nullptr;
  }
}
void *operator new[](size_t n, const std::nothrow_t &tag) noexcept { return operator new(n, tag); }
void operator delete(void *p) noexcept { counted_free(p); }
void operator delete[](void *p) noexcept { counted_free(p); }
void operator delete(void *p, size_t) noexcept { counted_free(p); }
void operator delete[](void *p, size_t) noexcept { counted_free(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { counted_free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { counted_free(p); }

namespace worker::gguf {
namespace {

using test::parse_bytes;
using test::parse_error;
using test::RawGguf;

// Peak heap (bytes above what was live before) while `f` runs.
template <typename F> size_t peak_heap_of(F &&f) {
  const size_t before = g_live.load();
  g_peak.store(before);
  f();
  return g_peak.load() - before;
}

// ---- counts ------------------------------------------------------------------

TEST(GgufHostileFile, HeaderCountsTheFileCannotHoldAreRefusedFirst) {
  {
    RawGguf f;
    f.header(1ull << 40, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Truncated);
    EXPECT_STREQ(e.what(), "mem: truncated file: header: 1099511627776 tensor infos and 0 metadata "
                           "entries need at least 27487790694400 bytes after offset 24, but the file "
                           "ends at 24");
  }
  {
    RawGguf f;
    f.header(0, 1ull << 62).fill(1000, 0);
    const Error e = parse_error(f.bytes());
    EXPECT_EQ(e.kind(), ErrorKind::Truncated);
    EXPECT_STREQ(e.what(), "mem: truncated file: header: 0 tensor infos and 4611686018427387904 "
                           "metadata entries need at least 2^64 bytes after offset 24, but the file "
                           "ends at 1024");
  }
  {
    // 2 entries of 14 bytes and 1 tensor info of 25 fit in 53 bytes; 52 do not.
    RawGguf f;
    f.header(1, 2).fill(52, 0);
    EXPECT_EQ(parse_error(f.bytes()).kind(), ErrorKind::Truncated);
  }
}

TEST(GgufHostileFile, ABlockCountBeyondTheTensorsIsRefusedBeforeAnyNameIsBuilt) {
  const Writer base = model::make_tiny_qwen2({});
  const std::string block_count = model::arch_key("qwen2", model::keys::suffix::kBlockCount);
  Writer w;
  for (const auto &e : base.metadata()) {
    w.add_metadata(e.key, e.key == block_count ? Value::u32(1u << 31) : e.value);
  }
  for (const auto &t : base.tensors()) {
    w.add_tensor(t.name, t.type, t.dims, t.data);
  }
  const File file = parse_bytes(w.to_bytes(), "tiny.gguf");
  size_t peak = 0;
  try {
    peak = peak_heap_of([&] { model::Qwen2Config::from_gguf(file); });
    ADD_FAILURE() << "a block count of 2^31 was accepted";
  } catch (const model::ModelError &e) {
    EXPECT_STREQ(e.what(), "metadata 'qwen2.block_count' is 2147483648, but the file has only 27 "
                           "tensors (a qwen2 block has 12)");
  }
  EXPECT_LT(peak, 64u << 10);
}

// ---- memory ------------------------------------------------------------------

std::vector<uint8_t> file_with_array(ValueType type, uint64_t count, uint64_t element_bytes) {
  RawGguf f;
  f.header(0, 1).key("x.big", 9).u32(static_cast<uint32_t>(type)).u64(count);
  f.fill(count * element_bytes, 0);
  return f.bytes();
}

TEST(GgufHostileFile, AnArrayThatWouldNeed40xItsSizeIsRefusedBeforeAllocating) {
  // 4 Mi one-byte items would need 4 Mi x 40 = 160 MiB: more than 64 MiB + 8 x 4 MiB.
  const std::vector<uint8_t> bytes = file_with_array(ValueType::UInt8, 4u << 20, 1);
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::optional<Error> error;
  const size_t peak = peak_heap_of([&] {
    try {
      File::parse(in, bytes.size(), "mem");
    } catch (const Error &e) {
      error = e;
    }
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), ErrorKind::LimitExceeded);
  EXPECT_STREQ(error->what(), "mem: metadata entry #0 ('x.big'): the array's items at offset 53 would "
                              "bring the parsed header to 167772306 bytes in memory, more than this "
                              "reader allows for 4194357 bytes of header (64 MiB + 8 per byte)");
  EXPECT_LT(peak, 64u << 10) << "allocated before refusing";
}

TEST(GgufHostileFile, ParsedHeaderMemoryStaysProportionalToTheFile) {
  struct Case {
    const char *name;
    std::vector<uint8_t> bytes;
  };
  std::vector<std::string> tokens;
  for (int i = 0; i < 200000; ++i) {
    tokens.push_back("tok" + std::to_string(i));
  }
  Writer vocab;
  vocab.add_metadata("tokenizer.ggml.tokens", Value::string_array(tokens));
  vocab.add_metadata("tokenizer.ggml.token_type", Value::i32_array(std::vector<int32_t>(200000, 1)));
  vocab.add_metadata("tokenizer.ggml.scores", Value::f32_array(std::vector<float>(200000, 0.5f)));
  RawGguf empty_strings;
  empty_strings.header(0, 1).key("x.s", 9).u32(8).u64(1u << 20);
  empty_strings.fill(8u << 20, 0);
  RawGguf nested;
  nested.header(0, 1).key("x.a", 9).u32(9).u64(1u << 20);
  for (int i = 0; i < (1 << 20); ++i) nested.u32(0).u64(0);
  const Case cases[] = {
      {"a 200k-token vocabulary", vocab.to_bytes()},
      {"1 Mi empty strings", empty_strings.bytes()},
      {"1 Mi empty arrays", nested.bytes()},
      {"2 Mi int64", file_with_array(ValueType::Int64, 2u << 20, 8)},
  };
  for (const Case &c : cases) {
    const std::string text(c.bytes.begin(), c.bytes.end());
    std::istringstream in(text);
    std::optional<File> file;
    const size_t peak = peak_heap_of([&] { file.emplace(File::parse(in, text.size(), "mem")); });
    const double ratio = static_cast<double>(peak) / static_cast<double>(text.size());
    std::printf("[ measured ] %s: %zu bytes in the file, peak heap %zu bytes while parsing (%.2fx), "
                "estimate %llu\n",
                c.name, text.size(), peak, ratio,
                static_cast<unsigned long long>(file->header_memory_bytes()));
    EXPECT_LE(peak, kHeaderMemoryFactor * text.size()) << c.name;
    EXPECT_LE(file->header_memory_bytes(), kHeaderMemoryFactor * text.size() + kHeaderMemoryAllowance)
        << c.name;
  }
}

} // namespace
} // namespace worker::gguf
