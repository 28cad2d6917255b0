#!/usr/bin/env bash
# The worker's /health endpoint, end to end (ctest label "gpu"): starts
# vram-only-worker on the tiny Qwen2 model, waits for the server, asks
# /health and /metrics with curl, then stops the worker with SIGTERM.
#
#   worker_health_test.sh MODE WORKER MAKE_TINY_QWEN2
#
# MODE healthy         the seed's manual check: /health answers 200 and
#                      .resident is true; 10 tokens generated; exit status 0.
# MODE managed-kv      --violate=managed-kv: the first /health answer is
#                      already 503 (the server starts after the monitor's
#                      first sweep) with the KV cache allocations named; the
#                      critical log line appears; exit status 5.
# MODE pinned-weights  --violate=pinned-weights: the same for the weight
#                      output_norm.weight in cudaMallocHost memory.
#
# Exit status: 0 pass, 1 fail, 77 skipped (no CUDA GPU). JSON is read with jq,
# or with python3 where jq is missing.
set -euo pipefail

mode="${1:?mode}"
worker="${2:?path to vram-only-worker}"
make_tiny="${3:?path to make-tiny-qwen2}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vram-only-health.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL ($mode): $*" >&2
  for f in worker.out worker.err health.json metrics.txt; do
    if [ -f "$tmp/$f" ]; then
      echo "---- $f" >&2
      tail -n 40 "$tmp/$f" >&2
    fi
  done
  exit 1
}

# json FILE JQ_FILTER PYTHON_EXPRESSION: prints the value (j is the document).
json() {
  if command -v jq >/dev/null 2>&1; then
    jq -r "$2" "$1"
  else
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list)) else ("true" if v is True else "false" if v is False else v))' "$1" "$3"
  fi
}

command -v curl >/dev/null 2>&1 || fail "curl is not installed"

"$make_tiny" "$tmp/tiny.gguf"

# No GPU: skip. (The worker exits 4 after parsing the model.)
set +e
"$worker" "$tmp/tiny.gguf" --no-server --tokens 1 >"$tmp/probe.out" 2>"$tmp/probe.err"
probe=$?
set -e
if [ "$probe" -eq 4 ]; then
  echo "SKIP: no CUDA GPU: $(head -n 1 "$tmp/probe.err")"
  exit 77
fi
[ "$probe" -eq 0 ] || { cp "$tmp/probe.err" "$tmp/worker.err"; fail "the probe run exited $probe"; }

args=(--serve --port 0 --host 127.0.0.1 --tokens 10 --ignore-eos --prompt "Hello, the world")
case "$mode" in
  healthy)
    args+=(--sweep-interval-ms 500)
    want_code=200 want_exit=0 want_resident=true
    ;;
  managed-kv)
    args+=(--sweep-interval-ms 60000 --violate=managed-kv)
    want_code=503 want_exit=5 want_resident=false
    want_labels="kv_cache.blk.0.k,kv_cache.blk.0.v,kv_cache.blk.1.k,kv_cache.blk.1.v"
    want_type=Managed want_purpose=KvCache
    ;;
  pinned-weights)
    args+=(--sweep-interval-ms 60000 --violate=pinned-weights)
    want_code=503 want_exit=5 want_resident=false
    want_labels="output_norm.weight"
    want_type=Host want_purpose=ModelWeights
    ;;
  *)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac

: >"$tmp/worker.out"
: >"$tmp/worker.err" # exist before the background job opens them: the loops below read them
"$worker" "$tmp/tiny.gguf" "${args[@]}" >"$tmp/worker.out" 2>"$tmp/worker.err" &
pid=$!

# The worker logs the port it bound (port 0: any free port) once it serves.
port=""
for _ in $(seq 1 600); do
  port="$(sed -n 's|.*serving /health and /metrics on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$tmp/worker.err" | head -n 1 || true)"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the worker exited before serving"
  sleep 0.1
done
[ -n "$port" ] || fail "the worker did not start serving within 60 s"
base="http://127.0.0.1:$port"

# The first answer of /health (retry only while the connection is refused).
code=000
for _ in $(seq 1 100); do
  code="$(curl -s -o "$tmp/health.json" -w '%{http_code}' --max-time 5 "$base/health" || true)"
  [ "$code" != 000 ] && break
  sleep 0.1
done
[ "$code" = "$want_code" ] || fail "GET /health answered $code, expected $want_code"
json "$tmp/health.json" '.status' 'j["status"]' >/dev/null || fail "GET /health did not answer JSON"
resident="$(json "$tmp/health.json" '.resident' 'j["resident"]')"
[ "$resident" = "$want_resident" ] || fail ".resident is $resident, expected $want_resident"
status="$(json "$tmp/health.json" '.status' 'j["status"]')"

if [ "$want_code" = 200 ]; then
  [ "$status" = healthy ] || fail ".status is $status"
  [ "$(json "$tmp/health.json" '.violations | length' 'len(j["violations"])')" = 0 ] || fail "violations listed"
else
  [ "$status" = unhealthy ] || fail ".status is $status"
  labels="$(json "$tmp/health.json" '[.violations[].label] | unique | join(",")' '",".join(sorted(set(v["label"] for v in j["violations"])))')"
  [ "$labels" = "$want_labels" ] || fail "violations name $labels, expected $want_labels"
  types="$(json "$tmp/health.json" '[.violations[].memory_type] | unique | join(",")' '",".join(sorted(set(v["memory_type"] for v in j["violations"])))')"
  [ "$types" = "$want_type" ] || fail "violating memory types $types, expected $want_type"
  purposes="$(json "$tmp/health.json" '[.violations[].purpose] | unique | join(",")' '",".join(sorted(set(v["purpose"] for v in j["violations"])))')"
  [ "$purposes" = "$want_purpose" ] || fail "violating purposes $purposes, expected $want_purpose"
  first_label="${want_labels%%,*}"
  grep -F '[vram-only] CRITICAL: VRAM residency violated: ' "$tmp/worker.err" | grep -F "label=\"$first_label\"" |
    grep -qF "memory_type=$want_type" || fail "no critical log line names $first_label"
fi

# /metrics answers in both states and counts the tracked bytes.
mcode="$(curl -s -o "$tmp/metrics.txt" -w '%{http_code}' --max-time 5 "$base/metrics" || true)"
[ "$mcode" = 200 ] || fail "GET /metrics answered $mcode"
grep -qE '^vram_only_tracked_bytes\{purpose="ModelWeights"\} [1-9][0-9]*$' "$tmp/metrics.txt" ||
  fail "/metrics has no ModelWeights bytes"
grep -qE "^vram_only_healthy $([ "$want_code" = 200 ] && echo 1 || echo 0)\$" "$tmp/metrics.txt" ||
  fail "/metrics vram_only_healthy is wrong"

# Generation finishes while serving (the worker keeps serving either way).
for _ in $(seq 1 600); do
  grep -q '^{' "$tmp/worker.out" && break
  kill -0 "$pid" 2>/dev/null || fail "the worker exited during generation"
  sleep 0.1
done
grep '^{' "$tmp/worker.out" | tail -n 1 >"$tmp/summary.json" || fail "no JSON summary on stdout"
n="$(json "$tmp/summary.json" '.generated_tokens | length' 'len(j["generated_tokens"])')"
[ "$n" = 10 ] || fail "generated $n tokens, expected 10"
[ "$(json "$tmp/summary.json" '.resident' 'j["resident"]')" = "$want_resident" ] || fail "summary .resident"
grep -q '^generated tokens: [0-9]' "$tmp/worker.out" || fail "no generated token ids on stdout"

# Still serving after generation, with the same verdict.
code="$(curl -s -o "$tmp/health.json" -w '%{http_code}' --max-time 5 "$base/health" || true)"
[ "$code" = "$want_code" ] || fail "GET /health after generation answered $code"

# Clean shutdown on SIGTERM.
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=""
[ "$rc" = "$want_exit" ] || fail "exit status $rc after SIGTERM, expected $want_exit"
grep -qF '[worker] INFO: received SIGTERM; shutting down' "$tmp/worker.err" || fail "no shutdown log line"
grep -qF '[worker] INFO: stopped; 0 tracked allocations left' "$tmp/worker.err" || fail "allocations left after shutdown"
echo "PASS ($mode): /health $want_code, .resident $want_resident, port $port, exit $rc"
