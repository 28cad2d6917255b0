#include "gguf/gguf_types.hpp"
#include "gguf/gguf_error.hpp"

namespace worker::gguf {

const char *to_string(ErrorKind kind) noexcept {
  switch (kind) {
  case ErrorKind::Io: return "io";
  case ErrorKind::Truncated: return "truncated";
  case ErrorKind::BadMagic: return "bad-magic";
  case ErrorKind::UnsupportedVersion: return "unsupported-version";
  case ErrorKind::InvalidValueType: return "invalid-value-type";
  case ErrorKind::InvalidString: return "invalid-string";
  case ErrorKind::DuplicateKey: return "duplicate-key";
  case ErrorKind::DuplicateTensor: return "duplicate-tensor";
  case ErrorKind::InvalidAlignment: return "invalid-alignment";
  case ErrorKind::InvalidTensorShape: return "invalid-tensor-shape";
  case ErrorKind::UnsupportedTensorType: return "unsupported-tensor-type";
  case ErrorKind::OutOfRange: return "out-of-range";
  case ErrorKind::Overflow: return "overflow";
  case ErrorKind::LimitExceeded: return "limit-exceeded";
  case ErrorKind::InvalidArgument: return "invalid-argument";
  }
  return "unknown";
}

bool is_valid_value_type(uint32_t id) noexcept { return id <= 12; }

const char *value_type_name(ValueType type) noexcept {
  switch (type) {
  case ValueType::UInt8: return "uint8";
  case ValueType::Int8: return "int8";
  case ValueType::UInt16: return "uint16";
  case ValueType::Int16: return "int16";
  case ValueType::UInt32: return "uint32";
  case ValueType::Int32: return "int32";
  case ValueType::Float32: return "float32";
  case ValueType::Bool: return "bool";
  case ValueType::String: return "string";
  case ValueType::Array: return "array";
  case ValueType::UInt64: return "uint64";
  case ValueType::Int64: return "int64";
  case ValueType::Float64: return "float64";
  }
  return "invalid";
}

size_t scalar_size(ValueType type) noexcept {
  switch (type) {
  case ValueType::UInt8:
  case ValueType::Int8:
  case ValueType::Bool: return 1;
  case ValueType::UInt16:
  case ValueType::Int16: return 2;
  case ValueType::UInt32:
  case ValueType::Int32:
  case ValueType::Float32: return 4;
  case ValueType::UInt64:
  case ValueType::Int64:
  case ValueType::Float64: return 8;
  case ValueType::String:
  case ValueType::Array: return 0;
  }
  return 0;
}

std::optional<TensorTypeTraits> tensor_type_traits(uint32_t id) noexcept {
  // Block layouts of GGML's types (elements per block, bytes per block).
  constexpr uint32_t K = 256; // QK_K
  switch (static_cast<TensorType>(id)) {
  case TensorType::F32: return TensorTypeTraits{"F32", 1, 4};
  case TensorType::F16: return TensorTypeTraits{"F16", 1, 2};
  case TensorType::Q4_0: return TensorTypeTraits{"Q4_0", 32, 2 + 16};
  case TensorType::Q4_1: return TensorTypeTraits{"Q4_1", 32, 2 + 2 + 16};
  case TensorType::Q5_0: return TensorTypeTraits{"Q5_0", 32, 2 + 4 + 16};
  case TensorType::Q5_1: return TensorTypeTraits{"Q5_1", 32, 2 + 2 + 4 + 16};
  case TensorType::Q8_0: return TensorTypeTraits{"Q8_0", 32, 2 + 32};
  case TensorType::Q8_1: return TensorTypeTraits{"Q8_1", 32, 4 + 4 + 32};
  case TensorType::Q2_K: return TensorTypeTraits{"Q2_K", K, 2 + 2 + K / 16 + K / 4};
  case TensorType::Q3_K: return TensorTypeTraits{"Q3_K", K, 2 + K / 4 + K / 8 + 12};
  case TensorType::Q4_K: return TensorTypeTraits{"Q4_K", K, 2 + 2 + K / 2 + 12};
  case TensorType::Q5_K: return TensorTypeTraits{"Q5_K", K, 2 + 2 + K / 2 + K / 8 + 12};
  case TensorType::Q6_K: return TensorTypeTraits{"Q6_K", K, 2 + K / 2 + K / 4 + K / 16};
  case TensorType::Q8_K: return TensorTypeTraits{"Q8_K", K, 4 + K + K / 8};
  case TensorType::IQ2_XXS: return TensorTypeTraits{"IQ2_XXS", K, 2 + K / 4};
  case TensorType::IQ2_XS: return TensorTypeTraits{"IQ2_XS", K, 2 + K / 4 + K / 32};
  case TensorType::IQ3_XXS: return TensorTypeTraits{"IQ3_XXS", K, 2 + K / 4 + K / 8};
  case TensorType::IQ1_S: return TensorTypeTraits{"IQ1_S", K, 2 + K / 8 + K / 16};
  case TensorType::IQ4_NL: return TensorTypeTraits{"IQ4_NL", 32, 2 + 16};
  case TensorType::IQ3_S: return TensorTypeTraits{"IQ3_S", K, 2 + K / 4 + K / 8 + K / 32 + 4};
  case TensorType::IQ2_S: return TensorTypeTraits{"IQ2_S", K, 2 + K / 4 + K / 16};
  case TensorType::IQ4_XS: return TensorTypeTraits{"IQ4_XS", K, 2 + 2 + K / 2 + K / 64};
  case TensorType::I8: return TensorTypeTraits{"I8", 1, 1};
  case TensorType::I16: return TensorTypeTraits{"I16", 1, 2};
  case TensorType::I32: return TensorTypeTraits{"I32", 1, 4};
  case TensorType::I64: return TensorTypeTraits{"I64", 1, 8};
  case TensorType::F64: return TensorTypeTraits{"F64", 1, 8};
  case TensorType::IQ1_M: return TensorTypeTraits{"IQ1_M", K, K / 8 + K / 16 + K / 32};
  case TensorType::BF16: return TensorTypeTraits{"BF16", 1, 2};
  case TensorType::TQ1_0: return TensorTypeTraits{"TQ1_0", K, 2 + 4 * 13};
  case TensorType::TQ2_0: return TensorTypeTraits{"TQ2_0", K, 2 + 64};
  case TensorType::MXFP4: return TensorTypeTraits{"MXFP4", 32, 1 + 16};
  case TensorType::NVFP4: return TensorTypeTraits{"NVFP4", 64, 4 + 32};
  case TensorType::Q1_0: return TensorTypeTraits{"Q1_0", 128, 2 + 16};
  }
  return std::nullopt;
}

std::string tensor_type_name(uint32_t id) {
  if (auto traits = tensor_type_traits(id)) {
    return traits->name;
  }
  return "unknown(" + std::to_string(id) + ")";
}

} // namespace worker::gguf
