// Compile-time configuration of the vram-only runtime.
//
// VRAM_ONLY_ENFORCE decides whether the tensor-construction checks
// (VRAM_ONLY_CHECK_TENSOR, checked_view) are compiled in:
//   -DVRAM_ONLY_ENFORCE=1  checks on (e.g. in a release build of a worker),
//   -DVRAM_ONLY_ENFORCE=0  checks compiled to nothing,
//   undefined              on unless NDEBUG is defined (on in debug builds).
// Everything else in the runtime (tracker, residency queries, monitor,
// health server) is always available; it is not affected by this switch.
#pragma once

#if !defined(VRAM_ONLY_ENFORCE)
#if defined(NDEBUG)
#define VRAM_ONLY_ENFORCE 0
#else
#define VRAM_ONLY_ENFORCE 1
#endif
#endif

// Functions usable from both host and device code when the header is
// compiled by nvcc (DeviceView is passed to kernels by value).
#if defined(__CUDACC__)
#define VRAM_ONLY_HOST_DEVICE __host__ __device__
#else
#define VRAM_ONLY_HOST_DEVICE
#endif
