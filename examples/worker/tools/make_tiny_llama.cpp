// make-tiny-llama: writes a tiny llama-architecture test model (random
// weights from a fixed seed, no biases, SentencePiece vocabulary by default,
// --vocab bpe for the GPT-2-style one) as a GGUF file that llama.cpp loads;
// see tools/tiny_model_cli.hpp for the options.
//
//   make-tiny-llama OUT.gguf [--preset llama-spm-f16] [--seed N] [--vocab spm|bpe] [--all-f16] ...
#include "tools/tiny_model_cli.hpp"

int main(int argc, char **argv) {
  return worker::tools::tiny_model_main(argc, argv, "make-tiny-llama", worker::model::tiny_llama_options());
}
