# llama.cpp as a real client, shared by the scripts that analyse, build or
# run it. Source it after common.sh; do not run it.
#
# The source is the llama.cpp that PyPI's sdist llama-cpp-python==0.3.36
# carries under vendor/llama.cpp: pinned by version and sha256, downloaded
# with pip, never committed. Everything lands under .cache/llama.cpp/
# (ignored by git):
#   .cache/llama.cpp/llama_cpp_python-0.3.36.tar.gz   the sdist as PyPI serves it
#   .cache/llama.cpp/src/                             vendor/llama.cpp, trimmed
#   .cache/llama.cpp/llama.cpp-src.tar.gz             the trimmed tree as one tarball,
#                                                     small enough to carry to a GPU machine
#   .cache/llama.cpp/build-cuda/                      the CUDA build (GPU machine)
#
# Trimmed means: without models/, docs/, media/, .github/, gguf-py/ and the source of the backends other than CPU and CUDA. What is left
# configures and builds with -DGGML_CUDA=ON (llama_cpp_configure_cuda).

LLAMA_CPP_SDIST_VERSION=0.3.36
LLAMA_CPP_SDIST_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
LLAMA_CPP_CACHE="${LLAMA_CPP_CACHE:-$VRAM_ONLY_ROOT/.cache/llama.cpp}"
LLAMA_CPP_SRC="$LLAMA_CPP_CACHE/src"
LLAMA_CPP_TARBALL="$LLAMA_CPP_CACHE/llama.cpp-src.tar.gz"
# The one CUDA build of llama.cpp that the GPU scripts share (gpu-realclients,
# gpu-llama-golden): built once per machine, each script adds its targets.
LLAMA_CPP_CUDA_BUILD="${LLAMA_CPP_CUDA_BUILD:-$LLAMA_CPP_CACHE/build-cuda}"

# Directories of vendor/llama.cpp that no build or analysis here needs.
LLAMA_CPP_TRIM=(
  models docs media .github .devops gguf-py
  ggml/src/ggml-cann ggml/src/ggml-et ggml/src/ggml-hexagon ggml/src/ggml-metal
  ggml/src/ggml-musa ggml/src/ggml-opencl ggml/src/ggml-openvino ggml/src/ggml-sycl
  ggml/src/ggml-virtgpu ggml/src/ggml-vulkan ggml/src/ggml-webgpu ggml/src/ggml-zdnn
  ggml/src/ggml-zendnn
)

# llama_cpp_fetch: makes $LLAMA_CPP_SRC (and the tarball) unless they exist.
# On a machine without a package registry (the GPU machine), it unpacks
# $LLAMA_CPP_TARBALL when that was carried along.
llama_cpp_fetch() {
  if [ -f "$LLAMA_CPP_SRC/CMakeLists.txt" ]; then
    return 0
  fi
  mkdir -p "$LLAMA_CPP_CACHE"
  if [ -f "$LLAMA_CPP_TARBALL" ]; then
    log "unpacking $LLAMA_CPP_TARBALL"
    rm -rf "$LLAMA_CPP_SRC" && mkdir -p "$LLAMA_CPP_SRC"
    tar xzf "$LLAMA_CPP_TARBALL" -C "$LLAMA_CPP_SRC"
    return 0
  fi
  local sdist="$LLAMA_CPP_CACHE/llama_cpp_python-$LLAMA_CPP_SDIST_VERSION.tar.gz"
  if [ ! -f "$sdist" ]; then
    log "downloading llama-cpp-python==$LLAMA_CPP_SDIST_VERSION (sdist, ~76 MB) from PyPI"
    python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
      "llama-cpp-python==$LLAMA_CPP_SDIST_VERSION" -d "$LLAMA_CPP_CACHE"
  fi
  local got
  got="$(sha256sum "$sdist" | cut -d' ' -f1)"
  if [ "$got" != "$LLAMA_CPP_SDIST_SHA256" ]; then
    echo "error: $sdist has sha256 $got, expected $LLAMA_CPP_SDIST_SHA256" >&2
    return 2
  fi
  log "extracting vendor/llama.cpp into $LLAMA_CPP_SRC"
  local tmp
  tmp="$(mktemp -d "$LLAMA_CPP_CACHE/extract.XXXXXX")"
  tar xzf "$sdist" -C "$tmp" --wildcards "*/vendor/llama.cpp/*"
  rm -rf "$LLAMA_CPP_SRC"
  mv "$tmp"/*/vendor/llama.cpp "$LLAMA_CPP_SRC"
  rm -rf "$tmp"
  local d
  for d in "${LLAMA_CPP_TRIM[@]}"; do
    rm -rf "${LLAMA_CPP_SRC:?}/$d"
  done
  rm -f "$LLAMA_CPP_SRC/.git"  # a submodule pointer into the sdist's own .git
  tar czf "$LLAMA_CPP_TARBALL" -C "$LLAMA_CPP_SRC" .
  log "llama.cpp source ready ($(du -sh "$LLAMA_CPP_SRC" | cut -f1); tarball $(du -sh "$LLAMA_CPP_TARBALL" | cut -f1))"
}

# llama_cpp_configure_cuda <build dir> [extra CMake arguments...]
# Configures llama.cpp with CUDA for sm_90 (H100/H200) and a compile
# database: llama.cpp's own defaults otherwise, as measured on it.
llama_cpp_configure_cuda() {
  local dir="$1"
  shift
  llama_cpp_fetch
  cmake -S "$LLAMA_CPP_SRC" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >/dev/null
}

# The options of a llama.cpp build for the scripts: llama-server is built
# (one of the real clients), without its web UI (no npm, and no download:
# the GPU machine has no network).
LLAMA_CPP_OPTIONS=(-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DGGML_NATIVE=OFF)

# llama_cpp_build_cuda <build dir> [targets...]
# Configures (once, and again for a tree configured without llama-server)
# and builds llama.cpp with CUDA; default targets are the programs the
# scripts run: llama-bench, llama-simple, llama-completion.
llama_cpp_build_cuda() {
  local dir="$1"
  shift
  local targets=("$@")
  [ "${#targets[@]}" -gt 0 ] || targets=(llama-bench llama-simple llama-completion)
  if [ ! -f "$dir/build.ninja" ] || ! grep -q "LLAMA_BUILD_SERVER:BOOL=ON" "$dir/CMakeCache.txt" 2>/dev/null; then
    log "configuring llama.cpp (CUDA, sm_90) in $dir"
    llama_cpp_configure_cuda "$dir" "${LLAMA_CPP_OPTIONS[@]}"
  fi
  log "building llama.cpp: ${targets[*]}"
  cmake --build "$dir" --target "${targets[@]}"
}
