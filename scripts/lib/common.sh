# Shared helpers for the project's scripts. Source it; do not run it.
#
# Every script is runnable as root on a fresh Debian 12 machine: it installs
# what is missing (idempotent, and fast when everything is already there),
# then configures and builds with CMake + Ninja.

set -euo pipefail

VRAM_ONLY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export VRAM_ONLY_ROOT

# Debian packages the project builds and tests with.
VRAM_ONLY_DEBIAN_PACKAGES=(
  cmake ninja-build g++ python3 python3-venv pkg-config
  clang-19 clang-tidy-19 libclang-19-dev llvm-19-dev llvm-19-tools
  libclang-rt-19-dev
  libomp-19-dev  # omp.h for clang: vram-check parses -fopenmp sources
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev nlohmann-json3-dev
  curl jq
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

install_dependencies() {
  install_debian_packages "${VRAM_ONLY_DEBIAN_PACKAGES[@]}"
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
