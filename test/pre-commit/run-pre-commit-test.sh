#!/usr/bin/env bash
# pre-commit (from PyPI, pinned in requirements.txt) drives this repository's
# .pre-commit-hooks.yaml over a fixture repository: `pre-commit try-repo`
# runs the hooks as a user's .pre-commit-config.yaml would, on the files of
# a commit. The clean file passes, the violating one fails with the finding.
#
#   run-pre-commit-test.sh <pre-commit executable> <vram-only build dir> <work dir>
set -euo pipefail
pre_commit=$1
build=$(cd "$2" && pwd)
work=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
repo="$work/repo"
cp -r "$here/fixture" "$repo"
mkdir -p "$repo/build"
sed "s|@REPO@|$repo|g" "$repo/compile_commands.json.in" >"$repo/build/compile_commands.json"
export PATH="$build/bin:$PATH"
export PRE_COMMIT_HOME="$work/cache"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
git -C "$repo" init -q
git -C "$repo" add src
cd "$repo"

for hook in vram-check vram-tidy; do
  "$pre_commit" try-repo "$root" "$hook" --files src/good.cu >"$work/$hook-good.log" 2>&1 ||
    { cat "$work/$hook-good.log"; fail "$hook should pass on src/good.cu"; }
  grep -E "^vram-only policy .*Passed$" "$work/$hook-good.log" >/dev/null ||
    { cat "$work/$hook-good.log"; fail "$hook did not report Passed"; }
  echo "ok: $hook passes on a VRAM-only source"

  if "$pre_commit" try-repo "$root" "$hook" --files src/good.cu src/bad.cu >"$work/$hook-bad.log" 2>&1; then
    cat "$work/$hook-bad.log"; fail "$hook should fail on src/bad.cu"
  fi
  grep -E "^vram-only policy .*Failed$" "$work/$hook-bad.log" >/dev/null ||
    { cat "$work/$hook-bad.log"; fail "$hook did not report Failed"; }
  grep -F "src/bad.cu:4:3: error: cudaHostAlloc allocates page-locked (pinned) host memory; keep the data in cudaMalloc memory [vram-host-memory" "$work/$hook-bad.log" >/dev/null ||
    { cat "$work/$hook-bad.log"; fail "$hook: the finding is missing"; }
  grep -F "src/bad.cu:4:34: error: cudaHostAllocMapped maps page-locked host memory into the device address space (zero-copy); remove the flag and keep the data in cudaMalloc memory [vram-mapped-memory" "$work/$hook-bad.log" >/dev/null ||
    { cat "$work/$hook-bad.log"; fail "$hook: the mapped-flag finding is missing"; }
  echo "ok: $hook fails on a violating source, with the findings"
done

# Files the hooks do not take (headers, docs) are skipped.
echo '#pragma once' >"$repo/src/kernels.cuh"
"$pre_commit" try-repo "$root" vram-check --files src/kernels.cuh >"$work/skip.log" 2>&1 ||
  { cat "$work/skip.log"; fail "a header alone should be skipped"; }
grep -E "^vram-only policy .*\(no files to check\)Skipped$" "$work/skip.log" >/dev/null ||
  { cat "$work/skip.log"; fail "the header was not skipped"; }
echo "ok: headers are skipped"
echo "PASS: pre-commit hooks"
