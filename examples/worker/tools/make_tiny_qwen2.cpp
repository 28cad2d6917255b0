// make-tiny-qwen2: writes the tiny Qwen2 test model (random weights from a
// fixed seed) as a GGUF file; see tools/tiny_model_cli.hpp for the options.
//
//   make-tiny-qwen2 OUT.gguf [--seed N] [--layers N] [--ctx N] [--tied]
//                   [--all-f32] [--alignment N] [--manifest OUT.json] ...
#include "tools/tiny_model_cli.hpp"

int main(int argc, char **argv) {
  return worker::tools::tiny_model_main(argc, argv, "make-tiny-qwen2", worker::model::TinyModelOptions{});
}
