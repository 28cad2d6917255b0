// The fixed vocabularies of the GGUF format: metadata value types and GGML
// tensor types with their block layout (elements per block, bytes per block).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace worker::gguf {

inline constexpr uint32_t kMagic = 0x46554747; // "GGUF" read as a little-endian uint32
inline constexpr uint32_t kVersion = 3;        // what the writer writes
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr uint32_t kMaxDims = 4;        // GGML_MAX_DIMS
inline constexpr size_t kMaxTensorNameBytes = 63; // GGML_MAX_NAME (64) minus the terminator
inline constexpr std::string_view kAlignmentKey = "general.alignment";

// Metadata value types (gguf_type). The numbers are part of the file format.
enum class ValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

// True for the thirteen ids above.
bool is_valid_value_type(uint32_t id) noexcept;
// "uint8", "string", "array", ... (the names gguf-py uses, lower case).
const char *value_type_name(ValueType type) noexcept;
// Encoded size of a scalar value type; 0 for String and Array.
size_t scalar_size(ValueType type) noexcept;

// GGML tensor types (ggml_type). Ids missing here were removed from GGML and
// are rejected as unknown.
enum class TensorType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21,
  IQ2_S = 22, IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28,
  IQ1_M = 29, BF16 = 30, TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39, NVFP4 = 40, Q1_0 = 41,
};

struct TensorTypeTraits {
  const char *name;        // "F32", "Q4_K", ...
  uint32_t block_elements; // elements per block (1 for plain types)
  uint32_t block_bytes;    // bytes per block
};

// The traits of a known type id, or nullopt for an id GGML does not define.
std::optional<TensorTypeTraits> tensor_type_traits(uint32_t id) noexcept;
// The name of a type id, or "unknown(<id>)".
std::string tensor_type_name(uint32_t id);

} // namespace worker::gguf
