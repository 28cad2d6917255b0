#!/usr/bin/env bash
# The CMake package, end to end: install the build into a fresh prefix, then
# configure test/consumer/project against it (find_package(VramOnly)) twice,
# with g++ and with clang++-19 as the C++ compiler (nvcc for CUDA both times),
# and check that vram_only_enforce() lets the VRAM-only target build and
# fails the others with the diagnostic.
#
#   run-consumer-test.sh <vram-only build dir> <work dir>
# With VRAM_ONLY_CONSUMER_PREFIX set, that prefix (an extracted .deb's usr/)
# is used instead of installing the build.
set -euo pipefail
build=$(cd "$1" && pwd)
work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$work"
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

prefix="${VRAM_ONLY_CONSUMER_PREFIX:-$work/prefix}"
if [ -z "${VRAM_ONLY_CONSUMER_PREFIX:-}" ]; then
  cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "cmake --install"; }
fi

run_case() { # <name> <C++ compiler> <expected bad_staging message>
  local name=$1 cxx=$2 staging_line=$3
  local dir="$work/$name"
  echo "== consumer built with CXX=$cxx"
  cmake -S "$here/project" -B "$dir" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CUDA_ARCHITECTURES=90 >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; fail "$name: configure"; }

  cmake --build "$dir" --target good_worker >"$dir.good.log" 2>&1 ||
    { cat "$dir.good.log"; fail "$name: good_worker should build"; }
  echo "ok: good_worker builds"

  if cmake --build "$dir" --target bad_worker >"$dir.bad.log" 2>&1; then
    cat "$dir.bad.log"; fail "$name: bad_worker should not build"
  fi
  grep -F "bad_worker.cu:8:3: error: cudaMallocManaged allocates managed (unified) memory that can migrate to host RAM; use cudaMalloc [vram-managed-memory]" "$dir.bad.log" >/dev/null ||
    { cat "$dir.bad.log"; fail "$name: bad_worker's diagnostic is missing"; }
  echo "ok: bad_worker fails with the diagnostic"

  if cmake --build "$dir" --target bad_staging >"$dir.staging.log" 2>&1; then
    cat "$dir.staging.log"; fail "$name: bad_staging should not build"
  fi
  grep -F "$staging_line" "$dir.staging.log" >/dev/null ||
    { cat "$dir.staging.log"; fail "$name: bad_staging's diagnostic is missing"; }
  echo "ok: bad_staging fails with the diagnostic"

  cmake --build "$dir" --target warned_staging >"$dir.warned.log" 2>&1 ||
    { cat "$dir.warned.log"; fail "$name: warned_staging should build (WARN)"; }
  grep -F "bad_staging.cpp:6:10: warning: cudaMallocHost" "$dir.warned.log" >/dev/null ||
    { cat "$dir.warned.log"; fail "$name: warned_staging's warning is missing"; }
  echo "ok: warned_staging builds with the warning"
}

message="bad_staging.cpp:6:10: error: cudaMallocHost allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory]"
run_case gcc g++ "$message"
clang=$(command -v clang++-19 || true)
[ -n "$clang" ] || fail "clang++-19 not found"
run_case clang "$clang" "$message"
# With clang 19 the C++ compile goes through the plugin, not the launcher.
grep -F -- "-fplugin=$prefix/lib/VramOnlyPlugin.so" "$work/clang/build.ninja" >/dev/null ||
  fail "clang: the C++ targets should use -fplugin"
grep -F -- "bin/vram-check --launcher -- /usr/bin/g++" "$work/gcc/CMakeFiles/rules.ninja" >/dev/null ||
  fail "gcc: the C++ targets should use the launcher"
grep -E -- "bin/vram-check --launcher -- [^ ]*nvcc " "$work/gcc/CMakeFiles/rules.ninja" >/dev/null ||
  fail "gcc: the CUDA targets should use the launcher"
echo "PASS: consumer project"
