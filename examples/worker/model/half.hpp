// IEEE 754 binary16 <-> binary32 conversion on the host, bit-exact with
// CUDA's __half2float and __float2half_rn (round to nearest, ties to even).
#pragma once

#include <cstdint>
#include <cstring>

namespace worker::model {

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) { // inf / nan
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) { // normal
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) { // zero
    bits = sign;
  } else { // subnormal: normalise
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint16_t float_to_half(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) { // nan: keep it quiet
    return static_cast<uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
  }
  if (abs >= 0x477FF000u) { // rounds to >= 65520: inf
    return static_cast<uint16_t>(sign | 0x7C00u);
  }
  if (abs < 0x38800000u) { // below the smallest normal half (2^-14): subnormal or zero
    // value = abs_float; half subnormal unit = 2^-24. Shift the 24-bit
    // significand so that units of 2^-24 remain, rounding to nearest even.
    const uint32_t exponent = abs >> 23;
    if (exponent < 102) { // < 2^-25: rounds to zero
      return sign;
    }
    const uint32_t significand = (abs & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126 - exponent; // 14..24
    const uint32_t half_bits = significand >> shift;
    const uint32_t remainder = significand & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    uint32_t rounded = half_bits;
    if (remainder > halfway || (remainder == halfway && (half_bits & 1u))) {
      ++rounded;
    }
    return static_cast<uint16_t>(sign | rounded);
  }
  // normal: rebias exponent (127 -> 15) and round the 13 dropped bits
  uint32_t h = ((abs - 0x38000000u) >> 13);
  const uint32_t remainder = abs & 0x1FFFu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (h & 1u))) {
    ++h; // may carry into the exponent, which is correct (up to inf)
  }
  return static_cast<uint16_t>(sign | h);
}

} // namespace worker::model
