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
// half-applied: a bad file is an error as a whole.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "policy.hpp"

namespace vram_only::attach {

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
