# Shared helpers for the project's scripts. Source it; do not run it.
#
# Every script is runnable as root on a fresh Debian 12 machine: it installs
# what is missing (idempotent, and fast when everything is already there),
# then configures and builds with CMake + Ninja.

set -euo pipefail

# A shell variable, not exported: every script sources this file itself, and
# vram-only-run refuses VRAM_ONLY_* variables it does not read.
VRAM_ONLY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages the project builds and tests with.
VRAM_ONLY_DEBIAN_PACKAGES=(
  cmake ninja-build g++ python3 python3-venv pkg-config
  clang-19 clang-tidy-19 libclang-19-dev llvm-19-dev llvm-19-tools
  libclang-rt-19-dev
  libomp-19-dev  # omp.h for clang: vram-check parses -fopenmp sources
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev nlohmann-json3-dev
  curl jq patch xz-utils
)

log() { printf '==> %s\n' "$*" >&2; }

# Install the Debian packages that are not installed yet. apt-get update runs
# at most once per call, and only when something is missing.
install_debian_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages: ${missing[*]} (run as root, or install them first)" >&2
    exit 2
  fi
  log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A Python virtual environment with the project's pinned PyPI packages
# (requirements.txt). Prints nothing when it is already up to date.
ensure_python_env() {
  local venv="$VRAM_ONLY_ROOT/.venv"
  local req="$VRAM_ONLY_ROOT/requirements.txt"
  local stamp="$venv/.requirements.sha256"
  local want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "creating the Python environment in .venv (requirements.txt)"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  echo "$want" >"$stamp"
}

# The private copy of cpp-httplib that libvram_only_attach.so compiles in,
# hidden (runtime/attach/CMakeLists.txt says why): Debian 12's source package
# of the libcpp-httplib-dev installed above, that is upstream's header-only
# httplib.h with Debian's patches applied (a CVE fix), each tarball checked
# against the SHA-256 of the package's .dsc. Into
# .cache/cpp-httplib/VERSION/ (httplib.h and LICENSE); nothing when there.
VRAM_ONLY_HTTPLIB_VERSION="0.11.4+ds-1+deb12u1"
fetch_private_httplib() {
  local dir="$VRAM_ONLY_ROOT/.cache/cpp-httplib/$VRAM_ONLY_HTTPLIB_VERSION"
  [ -f "$dir/httplib.h" ] && return 0
  local pool="http://deb.debian.org/debian/pool/main/c/cpp-httplib"
  local orig="cpp-httplib_0.11.4+ds.orig.tar.xz"
  local orig_sha256="8b1a5df569003b6a4f24c68489bbda5c64aec94697bdc9ebba5d79408b2ae7eb"
  local debian="cpp-httplib_${VRAM_ONLY_HTTPLIB_VERSION}.debian.tar.xz"
  local debian_sha256="a0adf8a38610806f6d94ba69839438635e5e6580775e28ff31d6a081e34f1484"
  local work
  work="$(mktemp -d)"
  log "fetching Debian's cpp-httplib $VRAM_ONLY_HTTPLIB_VERSION source for libvram_only_attach.so"
  curl -fsSL --retry 3 -o "$work/$orig" "$pool/${orig//+/%2b}"
  curl -fsSL --retry 3 -o "$work/$debian" "$pool/${debian//+/%2b}"
  printf '%s  %s\n%s  %s\n' "$orig_sha256" "$work/$orig" "$debian_sha256" "$work/$debian" | sha256sum -c --quiet
  mkdir -p "$work/src"
  tar -xJf "$work/$orig" -C "$work/src" --strip-components=1
  tar -xJf "$work/$debian" -C "$work/src"
  local patch_name
  while read -r patch_name; do
    [ -n "$patch_name" ] && patch -s -p1 -d "$work/src" <"$work/src/debian/patches/$patch_name"
  done <"$work/src/debian/patches/series"
  mkdir -p "$dir"
  cp "$work/src/httplib.h" "$work/src/LICENSE" "$dir/"
  rm -rf "$work"
}

# promtool, for the tests that lint /metrics and test the alerting rules
# (test/prometheus/). Debian ships it only in the prometheus package, whose
# installation also sets up a Prometheus server (a system user, a service,
# 96 MB): the package is downloaded with apt-get and only /usr/bin/promtool
# (a static binary) is kept, in .cache/promtool/. Nothing when there.
fetch_promtool() {
  local dir="$VRAM_ONLY_ROOT/.cache/promtool"
  [ -x "$dir/promtool" ] && return 0
  local work
  work="$(mktemp -d)"
  chmod 0755 "$work"  # apt-get download runs as _apt
  log "fetching promtool from Debian's prometheus package"
  (cd "$work" && apt-get download -qq prometheus >/dev/null 2>&1) ||
    { log "cannot download the prometheus package: the promtool tests will be skipped"; rm -rf "$work"; return 0; }
  dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
  mkdir -p "$dir"
  cp "$work/root/usr/bin/promtool" "$dir/promtool"
  rm -rf "$work"
}

install_dependencies() {
  install_debian_packages "${VRAM_ONLY_DEBIAN_PACKAGES[@]}"
  fetch_private_httplib
  fetch_promtool
  ensure_python_env
}

# configure_and_build <build dir> [extra CMake arguments...]
configure_and_build() {
  local dir="$1"
  shift
  log "configuring $dir"
  cmake -S "$VRAM_ONLY_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPython3_EXECUTABLE="$VRAM_ONLY_ROOT/.venv/bin/python" "$@" >/dev/null
  log "building $dir"
  cmake --build "$dir"
}
