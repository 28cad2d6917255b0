// The policy file: JSON (nlohmann/json, comments allowed), e.g.
//
//   {
//     "version": 1,
//     "allow": [
//       // llama.cpp's pinned output buffers ("CUDA_Host" buffers)
//       { "kind": "pinned", "library": "libggml-cuda",
//         "max_bytes_per_allocation": "64 MiB", "max_bytes_total": "256 MiB" }
//     ]
//   }
//
// kind: managed, pinned, mapped, registered, host_vmm, host_pool, migration.
// Sizes: a number of bytes, or a string "<n> [B|KiB|MiB|GiB|TiB|KB|MB|GB|TB]".
// max_bytes_total is required (an exception always has a bound);
// max_bytes_per_allocation defaults to it. library is optional.
//
// Every error names the file and line ("policy.json:7: ..."); nothing is
// half-applied: a bad file is an error as a whole. Text from the file is
// quoted as a short excerpt (excerpt.hpp), never whole.
//
// Bounds (a policy is a few hundred bytes): a file is at most
// kMaxPolicyBytes (1 MiB) and nests at most kMaxPolicyDepth containers (a
// policy needs 3); parsing stops at the first container past that. Only a
// regular file is read: a directory, FIFO, socket or device is refused
// without blocking.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "policy.hpp"

namespace vram_only::attach {

inline constexpr std::size_t kMaxPolicyBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxPolicyDepth = 16;

class PolicyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses policy text; `name` prefixes error messages. Throws PolicyError.
Policy parse_policy(std::string_view text, const std::string& name);

// Reads and parses a policy file. Throws PolicyError (also when unreadable).
Policy load_policy_file(const std::string& path);

// A size: 4096, "4096", "64 MiB", "1GiB", "2 GB". False when malformed.
bool parse_size(std::string_view text, std::size_t& out);

}  // namespace vram_only::attach
