// The driver entry points of the allocation family (driver_entry_points.def)
// as data the program can search: which row a dlsym or cuGetProcAddress
// request names, and each row's callback id. No CUDA calls.
//
// Thread-safety: immutable after static initialisation; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vram_only::attach {

// What a call does to memory (the Kind column).
enum class EntryKind : std::uint8_t { Device, Managed, Pinned, Registered, Mapped, Vmm, Pool, Migration, Free, Context };
// The default-stream semantics of the variant (the Stream column).
enum class EntryStream : std::uint8_t { Legacy, PerThread };

struct EntryPoint {
  const char* symbol;  // exported by libcuda: "cuMemAlloc_v2"
  const char* base;    // asked of cuGetProcAddress: "cuMemAlloc"
  int version;         // the cudaVersion from which cuGetProcAddress hands it out; 0 = never
  EntryStream stream;
  EntryKind kind;
  std::uint32_t cbid;  // CUPTI's callback id for it
};

inline constexpr std::size_t kNoEntry = static_cast<std::size_t>(-1);

// Every row, in the table's order; entry_count() of them.
const EntryPoint* entry_points() noexcept;
std::size_t entry_count() noexcept;

// The row exported as `symbol` (a libcuda export), or kNoEntry.
std::size_t entry_by_symbol(std::string_view symbol) noexcept;

// The row that cuGetProcAddress(base, cuda_version, flags) hands out: among
// the rows of `base` with that stream and a version at most cuda_version,
// the newest. kNoEntry when none (not in the family, or too old a version).
std::size_t entry_for_request(std::string_view base, int cuda_version, EntryStream stream) noexcept;

const char* to_string(EntryKind kind) noexcept;

}  // namespace vram_only::attach
