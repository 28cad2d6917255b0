// How much a /health answer tells the client that asked.
//
// A violation's full record carries the raw pointer ("0x7f92a2000000") and
// call sites as library offsets ("libtorch_cuda.so+0xcc0bd3"): the layout of
// the process's address space. A health port bound to 0.0.0.0 in a pod is
// readable by every pod of the cluster network, so by default a client that
// is not on the loopback interface gets the redacted record (kind, API,
// bytes, library name, pid are enough for an operator), and the loopback
// client (a sidecar, `kubectl exec ... curl 127.0.0.1`) and the report file
// keep the full one.
//
//   HealthDetail::Local     full for loopback peers, redacted for the others (default)
//   HealthDetail::Full      full for every peer (an operator's opt-in)
//   HealthDetail::Redacted  redacted for every peer
//
// Pure functions; no I/O. Thread-safety: none needed.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

namespace vram_only {

enum class HealthDetail { Local, Full, Redacted };

inline const char* to_string(HealthDetail detail) noexcept {
  switch (detail) {
    case HealthDetail::Local: return "local";
    case HealthDetail::Full: return "full";
    case HealthDetail::Redacted: return "redacted";
  }
  return "local";
}

// "local", "full", "redacted" -> the setting; false for anything else.
inline bool parse_health_detail(std::string_view text, HealthDetail& out) noexcept {
  if (text == "local") {
    out = HealthDetail::Local;
  } else if (text == "full") {
    out = HealthDetail::Full;
  } else if (text == "redacted") {
    out = HealthDetail::Redacted;
  } else {
    return false;
  }
  return true;
}

// A peer address as the server reports it ("127.0.0.1", "::1",
// "::ffff:127.0.0.1"): true for the loopback networks 127.0.0.0/8 and ::1.
// Anything else, an empty or unparsable text included, is not loopback.
inline bool is_loopback_peer(std::string_view ip) noexcept {
  constexpr std::string_view kMapped = "::ffff:";
  if (ip.size() > kMapped.size() && ip.substr(0, kMapped.size()) == kMapped) {
    ip.remove_prefix(kMapped.size());
  }
  if (ip == "::1" || ip == "0:0:0:0:0:0:0:1") {
    return true;
  }
  // 127.a.b.c with four decimal parts.
  if (ip.substr(0, 4) != "127.") {
    return false;
  }
  int parts = 2;  // "127." was the first; this is the second
  std::size_t digits = 0;
  for (std::size_t i = 4; i < ip.size(); ++i) {
    if (ip[i] == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(ip[i])) != 0 && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return parts == 4 && digits > 0;
}

// Whether the client at `peer_ip` gets the full record under `detail`.
inline bool full_detail_for(HealthDetail detail, std::string_view peer_ip) noexcept {
  switch (detail) {
    case HealthDetail::Full: return true;
    case HealthDetail::Redacted: return false;
    case HealthDetail::Local: return is_loopback_peer(peer_ip);
  }
  return false;
}

// `text` without library offsets and raw addresses: every "+0x<hex>" (an
// offset into a library: "libcuda.so+0x1a2b") is removed, and every other
// "0x<hex>" of nine or more digits (an address; flags and small numbers
// stay) becomes "0x?". Directory parts of library paths are left to the
// producer (call sites already name the file alone).
inline std::string redact_addresses(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto hex_run = [&text](std::size_t from) {
    std::size_t end = from;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end])) != 0) ++end;
    return end - from;
  };
  for (std::size_t i = 0; i < text.size();) {
    const bool offset = text[i] == '+' && i + 2 < text.size() && text[i + 1] == '0' && text[i + 2] == 'x';
    const std::size_t start = offset ? i + 1 : i;
    if (start + 1 < text.size() && text[start] == '0' && text[start + 1] == 'x' &&
        (start == 0 || std::isalnum(static_cast<unsigned char>(text[start - 1])) == 0 || offset)) {
      const std::size_t digits = hex_run(start + 2);
      if (offset && digits > 0) {
        i = start + 2 + digits;
        continue;
      }
      if (digits >= 9) {
        out += "0x?";
        i = start + 2 + digits;
        continue;
      }
    }
    out += text[i];
    ++i;
  }
  return out;
}

}  // namespace vram_only
