#!/bin/sh
# test_rules.sh PROMTOOL RULES_DIR: `promtool check rules` and `promtool test
# rules` on the operators' alerting rules. Exit 77 (ctest: skipped) without promtool.
promtool="$1"
if [ -z "$promtool" ] || [ ! -x "$promtool" ]; then
  echo "SKIP: promtool not found (Debian's prometheus package ships it; scripts/lib/common.sh fetch_promtool puts it in .cache/promtool/)"
  exit 77
fi
cd "$2" && "$promtool" check rules vram-only-rules.yml && "$promtool" test rules vram-only-rules.test.yml
