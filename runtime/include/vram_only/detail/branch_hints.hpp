// Hints that keep the tracker's hot paths short: rare branches (misuse,
// contention, table growth) are marked unlikely and moved out of line, so
// the common record / deallocate / lookup paths stay small enough to inline
// and to fit in few cache lines. GCC, Clang and nvcc (host code) accept both.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define VRAM_ONLY_UNLIKELY(x) (__builtin_expect(!!(x), 0))
#define VRAM_ONLY_LIKELY(x) (__builtin_expect(!!(x), 1))
#define VRAM_ONLY_NOINLINE __attribute__((noinline))
#define VRAM_ONLY_COLD __attribute__((noinline, cold))
#else
#define VRAM_ONLY_UNLIKELY(x) (x)
#define VRAM_ONLY_LIKELY(x) (x)
#define VRAM_ONLY_NOINLINE
#define VRAM_ONLY_COLD
#endif
