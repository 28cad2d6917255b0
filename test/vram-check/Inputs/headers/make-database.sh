#!/bin/sh
# make-database.sh <gxx|nvcc> <build dir> <cuda path>: writes the header
# fixture's compile_commands.json (one g++ or one nvcc entry, as CMake writes
# them) into <build dir>, with this checkout's paths.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$2"
sed -e "s|@SRC@|$here|g" -e "s|@BUILD@|$2|g" -e "s|@CUDA@|$3|g" \
  "$here/$1.json.in" >"$2/compile_commands.json"
