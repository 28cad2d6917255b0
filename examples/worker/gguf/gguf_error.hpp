// Errors of the GGUF reader and writer: one exception type whose kind says
// what is wrong and whose message says where (file, byte offset, item). The
// message quotes text from the file, so it is passed through printable():
// what() never holds raw control bytes.
#pragma once

#include "gguf/printable.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace worker::gguf {

enum class ErrorKind {
  Io,                    // the file cannot be opened, read or written
  Truncated,             // the file ends inside a structure
  BadMagic,              // the first four bytes are not "GGUF"
  UnsupportedVersion,    // a version other than 2 or 3, or a big-endian file
  InvalidValueType,      // a metadata value type id that GGUF does not define
  InvalidString,         // a string that is not UTF-8, or an empty key/name
  DuplicateKey,          // two metadata entries with the same key
  DuplicateTensor,       // two tensors with the same name
  InvalidAlignment,      // general.alignment of the wrong type, zero or not a power of two
  InvalidTensorShape,    // no or too many dimensions, a row not a whole number of blocks
  UnsupportedTensorType, // a tensor type id that GGML does not define
  OutOfRange,            // an offset or size that points outside the file, or overlapping tensors
  Overflow,              // a count, size or offset that overflows 64 bits
  LimitExceeded,         // nesting or sizes beyond the reader's documented limits
  InvalidArgument,       // the writer was given inconsistent data
};

const char *to_string(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
public:
  Error(ErrorKind kind, const std::string &message)
      : std::runtime_error(printable(message)), kind_(kind) {}

  ErrorKind kind() const noexcept { return kind_; }

private:
  ErrorKind kind_;
};

} // namespace worker::gguf
