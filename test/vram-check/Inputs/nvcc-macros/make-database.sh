#!/bin/sh
# make-database.sh <build dir> <cuda path>: writes this fixture's
# compile_commands.json (an nvcc and a g++ entry) with this checkout's paths.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
sed -e "s|@SRC@|$here|g" -e "s|@BUILD@|$1|g" -e "s|@CUDA@|$2|g" \
  "$here/compile_commands.json.in" >"$1/compile_commands.json"
