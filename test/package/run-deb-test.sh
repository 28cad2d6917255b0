#!/usr/bin/env bash
# The .deb, as a platform team uses it: `cpack -G DEB` in the build tree,
# `dpkg-deb -x` into a temporary root (nothing installed on the machine),
# then from that root: vram-check --version and vram-only-run --version
# print the project's version, `vram-only-run -- true` runs, and the
# consumer project (test/consumer/project) builds against the packaged
# CMake package.
#
#   run-deb-test.sh <vram-only build dir> <work dir> <project version>
# Exit 77 (ctest: skipped) in a build without the analysis (no vram-check).
set -euo pipefail
build=$(cd "$1" && pwd)
work=$2
version=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() { echo "FAIL: $*" >&2; exit 1; }

if [ ! -x "$build/bin/vram-check" ]; then
  echo "SKIP: this build has no vram-check (-DVRAM_ONLY_BUILD_ANALYSIS=OFF); the .deb test needs the full build"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
(cd "$build" && cpack -G DEB -B "$work/deb") >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/deb/vram-only_"$version"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { ls "$work/deb"; fail "no vram-only_${version}_*.deb"; }
echo "ok: built $(basename "$deb")"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "the package's Version is not $version"

root="$work/root"
dpkg-deb -x "$deb" "$root"
for path in usr/bin/vram-only-run usr/bin/vram-check usr/lib/libvram_only_attach.so \
            usr/include/vram_only/vram_only.hpp usr/lib/cmake/VramOnly/VramOnlyConfig.cmake; do
  [ -e "$root/$path" ] || fail "the package lacks /$path"
done
echo "ok: the package holds the tools, the attach library, the headers and the CMake package"

out=$("$root/usr/bin/vram-check" --version) || fail "vram-check --version"
case "$out" in *"vram-check $version"*) ;; *) fail "vram-check --version said: $out" ;; esac
echo "ok: $out"
out=$("$root/usr/bin/vram-only-run" --version) || fail "vram-only-run --version"
[ "$out" = "vram-only-run $version" ] || fail "vram-only-run --version said: $out"
echo "ok: $out"
env -u CUDA_INJECTION64_PATH -u LD_PRELOAD "$root/usr/bin/vram-only-run" -- true || fail "vram-only-run -- true exited $?"
preloaded=$(env -u CUDA_INJECTION64_PATH -u LD_PRELOAD "$root/usr/bin/vram-only-run" -- sh -c 'echo $LD_PRELOAD')
[ "$preloaded" = "$root/usr/lib/libvram_only_attach.so" ] || fail "vram-only-run preloads $preloaded"
injected=$(env -u CUDA_INJECTION64_PATH -u LD_PRELOAD "$root/usr/bin/vram-only-run" --backend=cupti -- \
  sh -c 'echo $CUDA_INJECTION64_PATH')
[ "$injected" = "$root/usr/lib/libvram_only_attach.so" ] || fail "vram-only-run --backend=cupti injects $injected"
echo "ok: vram-only-run -- true, with the packaged library $preloaded (preloaded; injected with --backend=cupti)"

VRAM_ONLY_CONSUMER_PREFIX="$root/usr" "$here/../consumer/run-consumer-test.sh" "$build" "$work/consumer"
echo "PASS: the .deb"
