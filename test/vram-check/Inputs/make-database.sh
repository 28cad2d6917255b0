#!/bin/sh
# make-database.sh <build dir> <cuda path>: writes the fixture's
# compile_commands.json (as CMake 3.25 writes it for an nvcc + g++ project)
# into <build dir>, with this checkout's paths.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
sed -e "s|@SRC@|$here/project|g" -e "s|@BUILD@|$1|g" -e "s|@CUDA@|$2|g" \
  "$here/project/compile_commands.json.in" >"$1/compile_commands.json"
