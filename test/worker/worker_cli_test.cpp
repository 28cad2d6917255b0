// The vram-only-worker binary on the command line: bad model files get one
// clear line on stderr and exit status 3 (never a crash), usage errors 2,
// --help 0, and a machine without a GPU 4. Runs on CPU-only machines (the
// model is parsed before CUDA is touched).
#include "gguf/gguf_writer.hpp"
#include "gguf_test_util.hpp"
#include "model/tiny_qwen2.hpp"
#include "process_runner.hpp"
#include "raw_gguf.hpp"

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

namespace worker {
namespace {

const std::string kWorker = VRAM_ONLY_WORKER_BIN;

struct BadModel {
  test::TempFile file{".gguf"};
  explicit BadModel(const std::vector<uint8_t> &bytes) { file.write(bytes); }
};

std::vector<uint8_t> tiny_bytes() { return model::make_tiny_qwen2({}).to_bytes(); }

// Runs the worker on `bytes` (under `timeout -s KILL 60`: a worker that
// runs away is killed, status 137); expects exit 3, nothing on stdout and no
// control byte on stderr but line ends; returns stderr with the temporary
// path replaced by "MODEL".
std::string bad_model_error(const std::vector<uint8_t> &bytes, const std::vector<std::string> &args = {}) {
  BadModel m(bytes);
  std::vector<std::string> command = {"-s", "KILL", "60", kWorker, m.file.path(), "--no-server"};
  command.insert(command.end(), args.begin(), args.end());
  const test::ProcessResult r = test::run_process("/usr/bin/timeout", command);
  EXPECT_EQ(r.signal, 0) << "the worker crashed: " << r.err;
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "");
  for (unsigned char c : r.err) {
    EXPECT_TRUE(c >= 0x20 || c == '\n') << "raw control byte " << int(c) << " on stderr: " << r.err;
  }
  std::string err = r.err;
  for (size_t at; (at = err.find(m.file.path())) != std::string::npos;) {
    err.replace(at, m.file.path().size(), "MODEL");
  }
  return err;
}

TEST(WorkerCli, TruncatedModel) {
  std::vector<uint8_t> bytes = tiny_bytes();
  bytes.resize(100);
  EXPECT_EQ(bad_model_error(bytes),
            "vram-only-worker: bad model file: MODEL: truncated file: header: 27 tensor infos and 20 "
            "metadata entries need at least 955 bytes after offset 24, but the file ends at 100\n");
  bytes = tiny_bytes();
  bytes.resize(2000);
  EXPECT_EQ(bad_model_error(bytes),
            "vram-only-worker: bad model file: MODEL: truncated file: metadata entry #13 "
            "('tokenizer.ggml.tokens'): array of 269 string elements at offset 601 needs at least 2152 "
            "bytes, but the file ends at 2000\n");
}

// A block count of 2^31 once made the worker build 12 x 2^31 tensor names
// before checking anything (memory without bound, SIGTERM ignored): now it
// is refused at once against the tensors the file holds.
TEST(WorkerCli, BlockCountBeyondTheFileIsRefusedAtOnce) {
  const gguf::Writer base = model::make_tiny_qwen2({});
  gguf::Writer w;
  for (const auto &e : base.metadata()) {
    w.add_metadata(e.key, e.key == "qwen2.block_count" ? gguf::Value::u32(1u << 31) : e.value);
  }
  for (const auto &t : base.tensors()) w.add_tensor(t.name, t.type, t.dims, t.data);
  EXPECT_EQ(bad_model_error(w.to_bytes()),
            "vram-only-worker: bad model file: MODEL: metadata 'qwen2.block_count' is 2147483648, but "
            "the file has only 27 tensors (a qwen2 block has 12)\n");
}

// Names and strings from the file reach stderr escaped (gguf::printable).
TEST(WorkerCli, FileTextIsPrintedEscaped) {
  test::RawGguf f;
  f.header(2, 0);
  f.tensor_info("blk\x1b[31m.\xe2\x80\xae", {8}, 0, 0).tensor_info("blk\x1b[31m.\xe2\x80\xae", {8}, 0, 32);
  f.pad_to(32).fill(64, 0);
  EXPECT_EQ(bad_model_error(f.bytes()),
            "vram-only-worker: bad model file: MODEL: duplicate tensor name 'blk\\x1b[31m.\\u{202E}' "
            "(tensor info #1 at offset 68)\n");

  test::RawGguf arch;
  arch.header(0, 1).key("general.architecture", 8).str("ev\x1b[2Jil\x07\xff");
  const std::string err = bad_model_error(arch.bytes());
  EXPECT_EQ(err.rfind("vram-only-worker: bad model file: MODEL: unsupported architecture "
                      "'ev\\x1b[2Jil\\x07\\xff'",
                      0),
            0u)
      << err;
}

// A refusal that surfaces after loading keeps status 3: here the vocabulary
// has no token for the byte 'z', which the prompt needs.
TEST(WorkerCli, APromptTheVocabularyCannotEncodeIsABadModelFile) {
  const gguf::Writer base = model::make_tiny_qwen2({});
  gguf::Writer w;
  for (const auto &e : base.metadata()) {
    if (e.key != "tokenizer.ggml.tokens") {
      w.add_metadata(e.key, e.value);
      continue;
    }
    std::vector<std::string> tokens;
    for (const auto &item : e.value.as_array()->items) {
      tokens.push_back(*item.as_string() == "z" ? "<no z>" : *item.as_string());
    }
    w.add_metadata(e.key, gguf::Value::string_array(tokens));
  }
  for (const auto &t : base.tensors()) w.add_tensor(t.name, t.type, t.dims, t.data);
  EXPECT_EQ(bad_model_error(w.to_bytes(), {"--prompt", "z"}),
            "vram-only-worker: bad model file: MODEL: tokenizer: the vocabulary has no token for the "
            "byte symbol 'z'\n");
}

TEST(WorkerCli, WrongMagic) {
  std::vector<uint8_t> bytes = tiny_bytes();
  bytes[0] = 'P';
  bytes[1] = 'K';
  EXPECT_EQ(bad_model_error(bytes), "vram-only-worker: bad model file: MODEL: not a GGUF file: the magic "
                                    "is \"PKUF\" (0x46554b50), expected \"GGUF\"\n");
}

TEST(WorkerCli, TensorDataOutsideTheFile) {
  std::vector<uint8_t> bytes = tiny_bytes();
  bytes.resize(bytes.size() - 4096); // cuts into output.weight, the last tensor
  const std::string err = bad_model_error(bytes);
  EXPECT_EQ(err.rfind("vram-only-worker: bad model file: MODEL: tensor 'output.weight' (F32 [64, 269], "
                      "68864 bytes): data [",
                      0),
            0u)
      << err;
  EXPECT_NE(err.find(") lies outside the file ("), std::string::npos) << err;
}

TEST(WorkerCli, UnknownTensorType) {
  test::RawGguf f;
  f.header(1, 1).key("general.architecture", 8).str("qwen2");
  f.tensor_info("token_embd.weight", {64, 4}, 5 /* removed Q4_3 */, 0).pad_to(32).fill(1024, 0);
  EXPECT_EQ(bad_model_error(f.bytes()),
            "vram-only-worker: bad model file: MODEL: tensor info #0 ('token_embd.weight'): unsupported "
            "tensor type 5 at offset 114 (not a GGML type)\n");
}

TEST(WorkerCli, UnsupportedTensorType) {
  const gguf::Writer base = model::make_tiny_qwen2({});
  gguf::Writer w;
  for (const auto &e : base.metadata()) w.add_metadata(e.key, e.value);
  for (const auto &t : base.tensors()) {
    if (t.name == "blk.0.attn_q.weight") { // [64, 64] as Q8_0: 2 blocks of 34 bytes per row
      w.add_tensor(t.name, gguf::TensorType::Q8_0, t.dims, std::vector<uint8_t>(64 / 32 * 34 * 64));
    } else {
      w.add_tensor(t.name, t.type, t.dims, t.data);
    }
  }
  EXPECT_EQ(bad_model_error(w.to_bytes()),
            "vram-only-worker: bad model file: MODEL: tensor 'blk.0.attn_q.weight' has type Q8_0, which "
            "this worker does not support (supported: F32, F16)\n");
}

TEST(WorkerCli, WrongArchitecture) {
  test::RawGguf f;
  f.header(0, 1).key("general.architecture", 8).str("falcon");
  EXPECT_EQ(bad_model_error(f.bytes()), "vram-only-worker: bad model file: MODEL: unsupported architecture "
                                        "'falcon' (this worker runs 'qwen2' and 'llama' models)\n");
}

TEST(WorkerCli, MissingFile) {
  const test::ProcessResult r = test::run_process(kWorker, {"/nonexistent/model.gguf"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "vram-only-worker: bad model file: /nonexistent/model.gguf: cannot open: No such file "
                   "or directory\n");
}

TEST(WorkerCli, UsageErrorsAndHelp) {
  test::ProcessResult r = test::run_process(kWorker, {"--tokens", "x", "m.gguf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "vram-only-worker: --tokens needs a whole number in 0..1048576, got 'x'\n"
                   "(see vram-only-worker --help)\n");
  r = test::run_process(kWorker, {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("usage: vram-only-worker MODEL.gguf [options]\n", 0), 0u);
}

TEST(WorkerCli, PromptLongerThanTheContext) {
  BadModel m(tiny_bytes());
  const test::ProcessResult r =
      test::run_process(kWorker, {m.file.path(), "--ctx", "8", "--tokens", "5", "--prompt", "abcdef"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "vram-only-worker: 6 prompt tokens + 5 new tokens do not fit a context of 8 tokens (--ctx)\n");
}

TEST(WorkerCli, NoGpuIsExitStatus4) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0) {
    GTEST_SKIP() << "this machine has a CUDA device; the no-GPU path is tested on CPU-only machines";
  }
  BadModel m(tiny_bytes());
  const test::ProcessResult r = test::run_process(kWorker, {m.file.path(), "--no-server"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err.rfind("vram-only-worker: no usable CUDA device (", 0), 0u) << r.err;
}

} // namespace
} // namespace worker
