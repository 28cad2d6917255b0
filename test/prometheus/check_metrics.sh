#!/bin/sh
# check_metrics.sh PROMTOOL SAMPLE_PROGRAM...
# Runs each program (each prints a real /metrics body) and pipes its output
# to `promtool check metrics`, which lints the text format and the naming
# rules (units, _total on counters). Exit 77 (ctest: skipped) without promtool.
promtool="$1"
shift
if [ -z "$promtool" ] || [ ! -x "$promtool" ]; then
  echo "SKIP: promtool not found (Debian's prometheus package ships it; scripts/lib/common.sh fetch_promtool puts it in .cache/promtool/)"
  exit 77
fi
status=0
for program in "$@"; do
  if ! output=$("$program"); then
    echo "FAIL: $program did not print its /metrics"
    status=1
    continue
  fi
  lint=$(printf '%s\n' "$output" | "$promtool" check metrics 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$lint" ]; then
    echo "FAIL: promtool check metrics on $(basename "$program") (exit $rc):"
    printf '%s\n' "$lint"
    status=1
  else
    echo "PASS: $(basename "$program"): $(printf '%s\n' "$output" | grep -c '^# TYPE') metrics pass promtool check metrics"
  fi
done
exit $status
