// The plugin reads the checks' options from the .clang-tidy that applies to
// the source (the nearest in its directory or above), as clang-tidy does:
// ExtraFunctions forbid the user's wrappers, ExemptNames silence names. A bad
// option is a compile error that names the file and the option.
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin %cuda_cxx_flags %S/Inputs/config/staging.cpp 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning:
// CHECK: staging.cpp:7:3: error: stagePinned pins a staging buffer in host RAM, use DeviceArena::allocate [vram-host-memory]
// CHECK: staging.cpp:8:3: error: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]
//
// The list form of CheckOptions:
// RUN: %clang -fsyntax-only -fplugin=%plugin %cuda_cxx_flags %S/Inputs/config/list/staging.cpp 2>&1 \
// RUN:   | count 0
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin %cuda_cxx_flags %S/Inputs/config/bad/staging.cpp 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD -DDIR=%S/Inputs/config/bad
// BAD: error: vram_only plugin: [[DIR]]/.clang-tidy: option 'vram-host-memory.ExemptNames': 'cudaHostRegistr' is not a name that vram-host-memory reports (did you mean 'cudaHostRegister'?)
//
// vram-check reads the same file.
// RUN: %S/../vram-check/Inputs/expect-exit.sh 1 %vram_check %S/Inputs/config/staging.cpp -- %cuda_cxx_flags 2>/dev/null \
// RUN:   | FileCheck %s --implicit-check-not=error: --implicit-check-not=warning:
// RUN: %S/../vram-check/Inputs/expect-exit.sh 2 %vram_check %S/Inputs/config/bad/staging.cpp -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s --check-prefix=CHECKBAD -DDIR=%S/Inputs/config/bad
// CHECKBAD: vram-check: error: [[DIR]]/staging.cpp was not analysed: bad configuration: [[DIR]]/.clang-tidy: option 'vram-host-memory.ExemptNames': 'cudaHostRegistr' is not a name that vram-host-memory reports (did you mean 'cudaHostRegister'?)
