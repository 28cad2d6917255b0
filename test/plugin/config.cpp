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
//
// The options are read by clang-tidy's own provider: a .clang-tidy with
// InheritParentConfig: true is merged with its parent's (ExtraFunctions from
// the parent, ExemptNames from the nearer file), exactly as clang-tidy does.
// RUN: not %clang -fsyntax-only -fplugin=%plugin %cuda_cxx_flags %S/Inputs/config/inherit/staging.cpp 2>&1 \
// RUN:   | FileCheck %s --check-prefix=INHERIT --implicit-check-not=error: --implicit-check-not=warning:
// RUN: %S/../vram-check/Inputs/expect-exit.sh 1 %vram_check %S/Inputs/config/inherit/staging.cpp -- %cuda_cxx_flags 2>/dev/null \
// RUN:   | FileCheck %s --check-prefix=INHERIT --implicit-check-not=error: --implicit-check-not=warning:
// RUN: not %clang_tidy --load=%tidy_module %S/Inputs/config/inherit/staging.cpp -- %cuda_cxx_flags 2>&1 \
// RUN:   | sed -e 's/,-warnings-as-errors\]/]/' \
// RUN:   | FileCheck %s --check-prefix=INHERIT --implicit-check-not=error: --implicit-check-not=warning:
// INHERIT: staging.cpp:6:3: error: cudaHostRegister page-locks (pins) host memory for device access; copy the data into cudaMalloc memory [vram-host-memory]
// INHERIT: staging.cpp:7:3: error: stagePinned pins a staging buffer in host RAM, use DeviceArena::allocate [vram-host-memory]
//
// A .clang-tidy that is not valid YAML is an error naming the file and the
// position (clang-tidy prints it and falls back to the parent's file).
// RUN: not %clang -fsyntax-only -fplugin=%plugin %cuda_cxx_flags %S/Inputs/config/badyaml/staging.cpp 2>&1 \
// RUN:   | FileCheck %s --check-prefix=YAML -DDIR=%S/Inputs/config/badyaml
// YAML: error: vram_only plugin: [[DIR]]/.clang-tidy:2:48: Could not find closing ]! (not a valid .clang-tidy)
// RUN: %S/../vram-check/Inputs/expect-exit.sh 2 %vram_check %S/Inputs/config/badyaml/staging.cpp -- %cuda_cxx_flags 2>&1 \
// RUN:   | FileCheck %s --check-prefix=CHECKYAML -DDIR=%S/Inputs/config/badyaml
// CHECKYAML: vram-check: error: [[DIR]]/staging.cpp was not analysed: bad configuration: [[DIR]]/.clang-tidy:2:48: Could not find closing ]! (not a valid .clang-tidy)
