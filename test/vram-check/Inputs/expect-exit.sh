#!/bin/sh
# expect-exit.sh <status> <command> [args...]: runs the command and succeeds
# only if it exits with exactly <status> (lit's `not` accepts any failure).
want=$1
shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
  echo "expect-exit: '$1' exited with $got, expected $want" >&2
  exit 1
fi
exit 0
