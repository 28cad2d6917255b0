#!/bin/sh
# as-unprivileged.sh <command> [args...]: runs the command as an ordinary
# user, so that file permissions hold (root may write a read-only file).
if [ "$(id -u)" -eq 0 ]; then
  exec setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR=/tmp "$@"
fi
exec "$@"
