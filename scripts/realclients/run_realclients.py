#!/usr/bin/env python3
"""Runs PyTorch, llama.cpp, JAX and CuPy under vram-only-run and checks
what an operator expects (scripts/gpu-realclients builds everything first
and calls this). Every check runs with the default backend (the
interposer); each client also runs once under both backends, which must
report the same allocations.

Prints one "PASS name: detail" or "FAIL name: detail" line per check, then
a summary; with --bench also the overhead measurements (three ways: plain,
interposer, CUPTI; rotated rounds; median and range per way and its ratio
to plain, as BENCH lines). Everything it writes goes under --out: the
reports, each run's stdout/stderr, checks.json and bench.json.

A client is one function CLIENT(runner, checks, context) in CLIENTS below;
another module adds its own clients to that table.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Checks:
    def __init__(self, out):
        self.out = out
        self.results = []

    def check(self, name, ok, detail=""):
        ok = bool(ok)
        self.results.append({"name": name, "ok": ok, "detail": detail})
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
        return ok

    def summary(self):
        failed = [r["name"] for r in self.results if not r["ok"]]
        with open(os.path.join(self.out, "checks.json"), "w") as f:
            json.dump(self.results, f, indent=2)
        print(f"SUMMARY: {len(self.results) - len(failed)} passed, {len(failed)} failed"
              + (f" ({', '.join(failed)})" if failed else ""), flush=True)
        return not failed


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Runner:
    def __init__(self, args):
        self.args = args
        self.run_tool = os.path.join(args.build, "bin", "vram-only-run")

    def run(self, name, command, vram=None, env=None, probe=False, timeout=300):
        """Runs `command` (under vram-only-run with options `vram` unless None).
        Returns a dict: rc, out, err, seconds, report (or None), probe (or None)."""
        report = os.path.join(self.args.out, f"{name}.report.json")
        if os.path.exists(report):
            os.remove(report)
        full = list(command)
        health = None
        if vram is not None:
            options = ["--report", report] + list(vram)
            if probe:
                health = f"127.0.0.1:{free_port()}"
                options += ["--health", health]
            full = [self.run_tool] + options + ["--"] + full
        environment = dict(os.environ)
        environment.update(env or {})
        stdout_path = os.path.join(self.args.out, f"{name}.stdout")
        stderr_path = os.path.join(self.args.out, f"{name}.stderr")
        start = time.perf_counter()
        with open(stdout_path, "w") as so, open(stderr_path, "w") as se:
            process = subprocess.Popen(full, stdout=so, stderr=se, env=environment)
            prober = None
            if health is not None:
                prober = subprocess.Popen([sys.executable, os.path.join(HERE, "probe_health.py"), health,
                                           str(process.pid)], stdout=subprocess.PIPE, text=True)
            # Popen.wait(timeout=...) polls with sleeps of up to 50 ms, which
            # would round every wall time up to a 50 ms step: wait blocking,
            # and let a timer kill a run that overstays.
            killer = threading.Timer(timeout, process.kill)
            killer.start()
            try:
                rc = process.wait()
            finally:
                killer.cancel()
            seconds = time.perf_counter() - start
            probed = None
            if prober is not None:
                text = prober.communicate(timeout=30)[0]
                probed = json.loads(text) if text.strip() else None
        result = {"rc": rc, "seconds": seconds, "probe": probed,
                  "out": open(stdout_path, errors="replace").read(),
                  "err": open(stderr_path, errors="replace").read(), "report": None}
        if os.path.exists(report):
            with open(report) as f:
                result["report"] = json.load(f)
        return result


def tail(r, n=400):
    """The end of a run's stderr, for a failed check's detail (one line)."""
    return "" if r["rc"] == 0 else " stderr: ..." + r["err"][-n:].replace("\n", " | ")


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def sites(report, kind=None):
    """The distinct call sites of a report's violations and allowed events."""
    found = set()
    for section in ("violations", "allowed"):
        for v in report.get(section, []):
            if kind is None or v["kind"] == kind:
                cs = v["call_site"]
                lib = os.path.basename(cs["library"]) if cs["library"] else "unknown"
                found.add(f"{v['api']}<-{lib}({cs['method']})")
    return sorted(found)


def allocation_summary(report):
    """What both backends must agree on: device allocations by API, and the
    non-VRAM events' kinds with their counts and bytes."""
    report = report or {}
    device = {api: (t["allocations"], t["bytes"])
              for api, t in report.get("device_memory", {}).get("by_api", {}).items()}
    non_vram = {kind: (t.get("violations", 0) + t.get("allowed", 0), t.get("bytes", 0))
                for kind, t in report.get("non_vram", {}).items()
                if t.get("violations", 0) + t.get("allowed", 0) > 0}
    return {"device": device, "non_vram": non_vram}


def backends_agree(runner, checks, name, command, vram=(), env=None):
    """Runs `command` under each backend; one check that both saw the same."""
    runs = {backend: runner.run(f"{name}-{backend}", command, vram=[f"--backend={backend}"] + list(vram), env=env)
            for backend in ("interpose", "cupti")}
    summaries = {backend: allocation_summary(r["report"]) for backend, r in runs.items()}
    ok = all(r["report"] for r in runs.values()) and summaries["interpose"] == summaries["cupti"]
    checks.check(f"{name}: both backends report the same allocations", ok,
                 f"interpose={json.dumps(summaries['interpose'])} cupti={json.dumps(summaries['cupti'])}"
                 f"{tail(runs['interpose'])}{tail(runs['cupti'])}")


def non_vram_events(report, kind):
    """The report's violations and allowed events of `kind`."""
    report = report or {}
    return [v for section in ("violations", "allowed") for v in report.get(section, []) if v["kind"] == kind]


def named_caller(event, text):
    """The event's calling library is known and its path contains `text`."""
    return text in (event["call_site"]["library"] or "")


# ---- PyTorch ------------------------------------------------------------------

def torch_checks(runner, checks):
    client = [sys.executable, os.path.join(HERE, "torch_client.py")]
    # Without a policy: PyTorch's scalar read-backs (Tensor.item()) go through
    # tiny pinned host buffers, reported like any pinned memory.
    r = runner.run("torch-generate-no-policy", client + ["generate"], vram=["--health", f"127.0.0.1:{free_port()}"])
    rep = r["report"] or {}
    pinned = [v for v in rep.get("violations", []) if v["kind"] == "pinned"]
    checks.check("torch-generate-no-policy: the scalar read-backs reported as pinned host memory "
                 "from libtorch_cuda, each at most 16 bytes",
                 r["rc"] == 0 and len(pinned) > 0 and len(pinned) == rep.get("violations_total") and
                 all(v["bytes"] <= 16 and "libtorch_cuda" in (v["call_site"]["library"] or "") for v in pinned),
                 f"rc={r['rc']} violations={[(v['api'], v['bytes']) for v in pinned]} sites={sites(rep)}{tail(r)}")
    policy = os.path.join(HERE, "torch-scalar-readback-policy.json")
    for name, env in (("torch-generate", {}),
                      ("torch-generate-expandable", {"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True"})):
        r = runner.run(name, client + ["generate"],
                       vram=["--policy", policy, "--health", f"127.0.0.1:{free_port()}"], env=env)
        result = last_json_line(r["out"]) or {}
        rep = r["report"] or {}
        checks.check(f"{name}: runs and generates", r["rc"] == 0 and result.get("generated_tokens") == 32,
                     f"rc={r['rc']} tokens={result.get('generated_tokens')} in {r['seconds']:.1f}s{tail(r)}")
        checks.check(f"{name}: injection active", rep.get("injection", {}).get("active") is True,
                     str(rep.get("injection")))
        checks.check(f"{name}: no violation, healthy at exit (scalar read-backs allowed by the policy)",
                     rep.get("violations_total") == 0 and rep.get("healthy") is True,
                     f"violations={rep.get('violations_total')} healthy={rep.get('healthy')} "
                     f"sites={sites(rep) if rep else None}")
        checks.check(f"{name}: /health 200 after generating", result.get("health_status") == 200,
                     f"status={result.get('health_status')} body={json.dumps(result.get('health'))[:300]}")
        by_api = rep.get("device_memory", {}).get("by_api", {})
        checks.check(f"{name}: device allocations seen", sum(v["allocations"] for v in by_api.values()) > 0,
                     json.dumps(by_api))
        if env:
            checks.check(f"{name}: VMM mappings tracked (cuMemMap)", "cuMemMap" in by_api, json.dumps(by_api))
        reserved, tracked = result.get("reserved_bytes"), result.get("tracked_bytes")
        checks.check(f"{name}: every caching-allocator byte tracked",
                     reserved is not None and tracked is not None and tracked >= reserved > 0,
                     f"reserved={reserved} tracked={tracked} segments={result.get('segments')} "
                     f"tracked_allocations={result.get('tracked_allocations')}")
        after_r, after_t = result.get("reserved_bytes_after_empty_cache"), result.get("tracked_bytes_after_empty_cache")
        ok = None not in (reserved, tracked, after_r, after_t) and tracked - after_t == reserved - after_r
        checks.check(f"{name}: empty_cache released exactly what the allocator gave back", ok,
                     f"reserved {reserved}->{after_r}, tracked {tracked}->{after_t}")

    pin_bytes = 4 << 20
    r = runner.run("torch-pin", client + ["pin", "--pin-bytes", str(pin_bytes)],
                   vram=["--health", f"127.0.0.1:{free_port()}"])
    result = last_json_line(r["out"]) or {}
    rep = r["report"] or {}
    pinned = rep.get("non_vram", {}).get("pinned", {})
    checks.check("torch-pin: pin_memory=True reported as pinned host memory with its size",
                 r["rc"] == 0 and pinned.get("violations") == 1 and pinned.get("bytes") == pin_bytes,
                 f"rc={r['rc']} pinned={pinned} sites={sites(rep)}{tail(r)}")
    checks.check("torch-pin: /health 503", result.get("health_status") == 503,
                 f"status={result.get('health_status')}")
    backends_agree(runner, checks, "torch-pin-agree", client + ["pin", "--pin-bytes", str(pin_bytes)])
    backends_agree(runner, checks, "torch-generate-agree", client + ["generate"], vram=["--policy", policy])


# ---- llama.cpp -------------------------------------------------------------------

def llama_checks(runner, checks, model):
    simple = [os.path.join(runner.args.llama_bin, "llama-simple"), "-m", model, "-n", "16", "-ngl", "99",
              "Hello, my name is"]
    bench = [os.path.join(runner.args.llama_bin, "llama-bench"), "-m", model, "-ngl", "99", "-p", "64",
             "-n", "32", "-r", "40", "-o", "json"]
    policy = os.path.join(HERE, "llama-pinned-policy.json")
    any_caller = os.path.join(HERE, "llama-pinned-any-caller-policy.json")
    unified = {"GGML_CUDA_ENABLE_UNIFIED_MEMORY": "1"}

    r = runner.run("llama-default", simple, vram=[])
    rep = r["report"] or {}
    pinned = rep.get("non_vram", {}).get("pinned", {})
    checks.check("llama-default: runs", r["rc"] == 0, f"rc={r['rc']} in {r['seconds']:.1f}s{tail(r)}")
    checks.check("llama-default: pinned host output buffers reported",
                 (pinned.get("violations") or 0) >= 1 and rep.get("non_vram", {}).get("managed", {}).get("violations") == 0,
                 f"pinned={pinned} sites={sites(rep)}")
    checks.check("llama-default: device allocations tracked and released",
                 rep.get("device_memory", {}).get("allocations_total", 0) > 0,
                 json.dumps(rep.get("device_memory", {}).get("by_api")))

    for name, pol in (("llama-policy", policy), ("llama-policy-any-caller", any_caller)):
        r = runner.run(name, simple, vram=["--policy", pol])
        rep = r["report"] or {}
        checks.check(f"{name}: healthy under a policy allowing pinned buffers up to 1 GiB",
                     r["rc"] == 0 and rep.get("violations_total") == 0 and rep.get("allowed_total", 0) >= 1
                     and rep.get("healthy") is True,
                     f"rc={r['rc']} violations={rep.get('violations_total')} allowed={rep.get('allowed_total')} "
                     f"rules={json.dumps(rep.get('policy_rules'))} sites={sites(rep)}{tail(r)}")

    r = runner.run("llama-policy-bench", bench, vram=["--policy", any_caller], probe=True)
    rep = r["report"] or {}
    probe = r["probe"] or {}
    checks.check("llama-policy-bench: /health answered 200 throughout a llama-bench run",
                 r["rc"] == 0 and probe.get("statuses") == [200] and rep.get("violations_total") == 0,
                 f"rc={r['rc']} statuses={probe.get('statuses')} violations={rep.get('violations_total')} "
                 f"allowed={rep.get('allowed_total')}{tail(r)}")

    r = runner.run("llama-unified", bench, vram=["--policy", any_caller], env=unified, probe=True)
    rep = r["report"] or {}
    probe = r["probe"] or {}
    managed = rep.get("non_vram", {}).get("managed", {})
    checks.check("llama-unified: managed memory reported for the model weights",
                 (managed.get("violations") or 0) >= 1 and (managed.get("bytes") or 0) > 0,
                 f"rc={r['rc']} managed={managed} sites={sites(rep, 'managed')}{tail(r)}")
    checks.check("llama-unified: /health answers 503", 503 in (probe.get("statuses") or []),
                 f"statuses={probe.get('statuses')} healthy_at_exit={rep.get('healthy')}")

    r = runner.run("llama-abort", simple, vram=["--policy", any_caller, "--on-violation=abort"], env=unified)
    rep = r["report"] or {}
    first = (rep.get("violations") or [{}])[0]
    checks.check("llama-abort: stopped at the first managed allocation (exit 86)",
                 r["rc"] == 86 and rep.get("stopped_at_violation") is True and first.get("api") == "cuMemAllocManaged"
                 and rep.get("violations_total") == 1,
                 f"rc={r['rc']} first={first.get('api')} bytes={first.get('bytes')} "
                 f"site={first.get('call_site')}")
    backends_agree(runner, checks, "llama-default-agree", simple)
    backends_agree(runner, checks, "llama-unified-agree", simple, vram=["--policy", any_caller], env=unified)


# ---- JAX -----------------------------------------------------------------------------

def jax_checks(runner, checks):
    client = [sys.executable, os.path.join(HERE, "jax_client.py")]
    on_demand = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    policy = os.path.join(HERE, "jax-staging-policy.json")
    # Without a policy: XLA and cuDNN pin small host staging buffers of their
    # own (measured on an H100, 2026-12-05: 23 pinned cuMemHostAlloc from
    # xla_cuda_plugin.so, 2,097,304 bytes in all, and 2 mapped ones of 4 bytes
    # from libcudnn_graph.so.9), reported like any pinned memory.
    r = runner.run("jax-no-policy", client + ["compute"], vram=[], env=on_demand)
    rep = r["report"] or {}
    staging = non_vram_events(rep, "pinned") + non_vram_events(rep, "mapped")
    checks.check("jax-no-policy: XLA's host staging buffers reported as pinned/mapped with bytes and caller",
                 r["rc"] == 0 and len(staging) > 0 and len(staging) == rep.get("violations_total")
                 and all(named_caller(v, "xla_cuda_plugin") or named_caller(v, "libcudnn") for v in staging),
                 f"rc={r['rc']} events={sorted(set((v['api'], v['kind'], v['bytes'], os.path.basename(v['call_site']['library'] or '?')) for v in staging))}{tail(r)}")
    # XLA's BFC allocator takes its whole region at start-up (the default).
    r = runner.run("jax-preallocate", client + ["compute"],
                   vram=["--policy", policy, "--health", f"127.0.0.1:{free_port()}"])
    result = last_json_line(r["out"]) or {}
    rep = r["report"] or {}
    device = rep.get("device_memory", {})
    limit = result.get("bytes_limit") or 0
    checks.check("jax-preallocate: computes, healthy and VRAM-only (XLA's staging buffers allowed by the policy)",
                 r["rc"] == 0 and result.get("ok") is True and rep.get("violations_total") == 0
                 and rep.get("healthy") is True and result.get("health_status") == 200,
                 f"rc={r['rc']} result={result} violations={rep.get('violations_total')} "
                 f"events={sorted(set((v['api'], v['kind'], v['bytes']) for v in rep.get('violations', [])))} sites={sites(rep)}{tail(r)}")
    checks.check("jax-preallocate: the BFC allocator's region tracked as device memory",
                 limit > 0 and device.get("peak_bytes", 0) >= limit,
                 f"bytes_limit={limit} peak={device.get('peak_bytes')} by_api={json.dumps(device.get('by_api'))}")
    r = runner.run("jax-on-demand", client + ["compute"], vram=["--policy", policy], env=on_demand)
    rep = r["report"] or {}
    checks.check("jax-on-demand (XLA_PYTHON_CLIENT_PREALLOCATE=false): computes, healthy, allocations tracked",
                 r["rc"] == 0 and rep.get("violations_total") == 0 and rep.get("healthy") is True
                 and rep.get("device_memory", {}).get("allocations_total", 0) > 0,
                 f"rc={r['rc']} violations={rep.get('violations_total')} sites={sites(rep)} "
                 f"by_api={json.dumps(rep.get('device_memory', {}).get('by_api'))}{tail(r)}")
    pin_bytes = 8 << 20
    pinned_command = client + ["pinned", "--bytes", str(pin_bytes)]
    r = runner.run("jax-pinned", pinned_command, vram=["--health", f"127.0.0.1:{free_port()}"], env=on_demand)
    result = last_json_line(r["out"]) or {}
    pinned = non_vram_events(r["report"], "pinned") + non_vram_events(r["report"], "mapped")
    checks.check("jax-pinned: pinned host memory (memory_kind=pinned_host) reported with its bytes and caller",
                 r["rc"] == 0 and any(v["bytes"] >= pin_bytes and v["call_site"]["library"] for v in pinned),
                 f"rc={r['rc']} events={[(v['api'], v['kind'], v['bytes']) for v in pinned]} "
                 f"sites={sites(r['report'] or {})}{tail(r)}")
    checks.check("jax-pinned: /health 503", result.get("health_status") == 503, f"status={result.get('health_status')}")
    r = runner.run("jax-abort", pinned_command, vram=["--on-violation=abort"], env=on_demand)
    rep = r["report"] or {}
    checks.check("jax-abort: stopped at the pinned allocation (exit 86)",
                 r["rc"] == 86 and rep.get("stopped_at_violation") is True,
                 f"rc={r['rc']} first={(rep.get('violations') or [{}])[0].get('api')}")
    backends_agree(runner, checks, "jax-agree", client + ["compute"], env=on_demand)
    backends_agree(runner, checks, "jax-pinned-agree", pinned_command, env=on_demand)


# ---- CuPy ----------------------------------------------------------------------------

def cupy_checks(runner, checks):
    client = [sys.executable, os.path.join(HERE, "cupy_client.py")]
    r = runner.run("cupy-pool", client + ["pool"], vram=["--health", f"127.0.0.1:{free_port()}"])
    result = last_json_line(r["out"]) or {}
    rep = r["report"] or {}
    device = rep.get("device_memory", {})
    checks.check("cupy-pool: computes, healthy and VRAM-only",
                 r["rc"] == 0 and result.get("ok") is True and rep.get("violations_total") == 0
                 and rep.get("healthy") is True and result.get("health_status") == 200,
                 f"rc={r['rc']} result={result} violations={rep.get('violations_total')} sites={sites(rep)}{tail(r)}")
    checks.check("cupy-pool: every byte of the memory pool tracked",
                 (result.get("pool_total_bytes") or 0) > 0 and device.get("peak_bytes", 0) >= result["pool_total_bytes"],
                 f"pool={result.get('pool_total_bytes')} peak={device.get('peak_bytes')} "
                 f"by_api={json.dumps(device.get('by_api'))}")
    n = 4 << 20
    for mode, kind, what in (("pinned", "pinned", "cupy.cuda.alloc_pinned_memory"),
                             ("managed", "managed", "cupy.cuda.malloc_managed as the allocator")):
        command = client + [mode, "--bytes", str(n)]
        r = runner.run(f"cupy-{mode}", command, vram=["--health", f"127.0.0.1:{free_port()}"])
        result = last_json_line(r["out"]) or {}
        events = non_vram_events(r["report"], kind)
        checks.check(f"cupy-{mode}: {what} reported as {kind} with its bytes and the calling library",
                     r["rc"] == 0 and any(v["bytes"] >= n and named_caller(v, "/cupy_backends/cuda/api/runtime") for v in events),
                     f"rc={r['rc']} events={[(v['api'], v['bytes']) for v in events]} "
                     f"sites={sites(r['report'] or {})}{tail(r)}")
        checks.check(f"cupy-{mode}: /health 503", result.get("health_status") == 503,
                     f"status={result.get('health_status')}")
        r = runner.run(f"cupy-{mode}-abort", command, vram=["--on-violation=abort"])
        rep = r["report"] or {}
        first = (rep.get("violations") or [{}])[0]
        checks.check(f"cupy-{mode}-abort: stopped at the {kind} allocation (exit 86)",
                     r["rc"] == 86 and rep.get("stopped_at_violation") is True and first.get("kind") == kind,
                     f"rc={r['rc']} first={first.get('api')} kind={first.get('kind')}")
        backends_agree(runner, checks, f"cupy-{mode}-agree", command)
    backends_agree(runner, checks, "cupy-pool-agree", client + ["pool"])


# ---- Benchmarks --------------------------------------------------------------------

def rotation(variants, i):
    """Run i of a benchmark runs its variants rotated by i: no order bias."""
    k = i % len(variants)
    return variants[k:] + variants[:k]


def spread(values):
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1], "runs": values}


# The three ways a benchmark runs: plain, under vram-only-run with the
# interposer (the default backend), and under vram-only-run --backend=cupti.
VARIANTS = ("plain", "interpose", "cupti")


def variant_options(variant, attached_options):
    if variant == "plain":
        return None
    return [f"--backend={variant}"] + list(attached_options)


def interleave(runner, name, command, pairs, value, attached_options=()):
    """Runs `command` `pairs` times each way, in an order rotated by the
    round (no order bias), as name-ROUND-VARIANT; returns {variant:
    [value(run), ...]}. A run whose value() is None ends its round (value()
    says why, if it must)."""
    values = {v: [] for v in VARIANTS}
    for i in range(pairs):
        for variant in rotation(VARIANTS, i):
            r = runner.run(f"{name}-{i}-{variant}", command, vram=variant_options(variant, attached_options))
            v = value(r)
            if v is None:
                break
            values[variant].append(v)
    return values


def compare3(name, values, higher_is_better=True, unit=""):
    """One BENCH line per way: median, range, ratio to plain (and the
    difference, for costs). Returns {variant: spread + ratio}."""
    out = {}
    if not values["plain"]:
        return out
    base = spread(values["plain"])
    for variant in VARIANTS:
        if not values[variant]:
            continue
        s = spread(values[variant])
        s["ratio"] = s["median"] / base["median"] if base["median"] else float("nan")
        s["difference"] = s["median"] - base["median"]
        out[variant] = s
        better = "higher is better" if higher_is_better else "lower is better"
        print(f"BENCH {name} | {variant} | median {s['median']:.4g}{unit} | range {s['min']:.4g}..{s['max']:.4g} "
              f"| n={len(s['runs'])} | ratio vs plain {s['ratio']:.4f} | difference {s['difference']:+.4g}{unit} "
              f"| {better}", flush=True)
    return out


def llama_bench_rates(text):
    try:
        data = json.loads(text)
    except ValueError:
        return None, None
    pp = [t["avg_ts"] for t in data if t.get("n_prompt", 0) > 0 and t.get("n_gen", 0) == 0]
    tg = [t["avg_ts"] for t in data if t.get("n_gen", 0) > 0 and t.get("n_prompt", 0) == 0]
    return (pp[0] if pp else None), (tg[0] if tg else None)


def program_benchmarks(runner, pairs, results):
    """The small CUDA programs, three ways: start-up, launches, driver calls,
    CUDA graphs, cudaMalloc+cudaFree; their figures go into `results`."""
    tiny = os.path.join(runner.args.gpu_tests, "attach_device_static")
    runs = interleave(runner, "bench-startup", [tiny], pairs, lambda r: r["seconds"] * 1000)
    results["cuda_program_startup_ms"] = compare3("start-up of a small CUDA program (wall time)", runs,
                                                  higher_is_better=False, unit=" ms")

    launches = os.path.join(runner.args.gpu_tests, "attach_launch_loop")
    # attach_launch_loop's figures: its JSON field, our key, the BENCH label.
    figures = (("ns_per_launch", "kernel_launch_ns", "empty kernel launch"),
               ("ns_per_driver_call", "driver_call_ns", "cuCtxGetDevice"),
               ("ns_per_graph_launch", "graph_launch_ns", "CUDA graph launch (64 kernels)"),
               ("ns_per_graph_round", "graph_round_ns", "capture + cudaGraphExecUpdate + launch (64 kernels)"))
    runs = interleave(runner, "bench-launch", [launches, "200000"], pairs, lambda r: last_json_line(r["out"]))
    for field, key, label in figures:
        results[key] = compare3(label, {v: [run[field] for run in runs[v]] for v in VARIANTS}, higher_is_better=False,
                                unit=" ns")

    loop = os.path.join(runner.args.gpu_tests, "attach_alloc_loop")
    runs = interleave(runner, "bench-alloc", [loop, "20000"], pairs,
                      lambda r: (last_json_line(r["out"]) or {}).get("ns_per_pair"))
    # The "difference" of each way is its added cost per pair.
    results["cudaMalloc_cudaFree_pair_ns"] = compare3("cudaMalloc+cudaFree (4 KiB) per pair", runs,
                                                      higher_is_better=False, unit=" ns")


def benchmarks(runner, checks, model, model_1b, pairs):
    results = {"machine": os.uname().nodename, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        gpu = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        gpu = "unknown"
    results["gpu"] = gpu
    policy = os.path.join(HERE, "llama-pinned-any-caller-policy.json")

    if runner.args.llama_bin and "llama" in runner.args.only:
        # Two models: the tiny one of the checks (a token is ~0.1 ms, so a
        # fixed cost per driver call weighs most) and a 1.1B-parameter F16
        # llama (a token is ~1 ms, the size of a small served model).
        for label, key, path in (("tiny Qwen2", "llama_tiny", model), ("1.1B llama F16", "llama_1b", model_1b)):
            if path is None:
                continue
            bench = [os.path.join(runner.args.llama_bin, "llama-bench"), "-m", path, "-ngl", "99", "-p", "512",
                     "-n", "128", "-r", "5", "-o", "json"]

            def rates(r, label=label):
                p, t = llama_bench_rates(r["out"])
                if p is None or t is None:
                    checks.check(f"bench: llama-bench output ({label})", False, r["err"][-500:])
                    return None
                return p, t

            runs = interleave(runner, f"bench-{key}", bench, pairs, rates, attached_options=["--policy", policy])
            pp = {v: [p for p, _ in runs[v]] for v in VARIANTS}
            tg = {v: [t for _, t in runs[v]] for v in VARIANTS}
            results[f"{key}_pp512_tokens_per_s"] = compare3(f"llama-bench {label} pp512", pp, unit=" t/s")
            results[f"{key}_tg128_tokens_per_s"] = compare3(f"llama-bench {label} tg128", tg, unit=" t/s")

    if "torch" in runner.args.only:
        client = [sys.executable, os.path.join(HERE, "torch_client.py"), "bench", "--tokens", "64", "--repeats", "5"]

        def tokens_per_second(r):
            result = last_json_line(r["out"])
            if result is None:
                checks.check("bench: torch generation output", False, r["err"][-500:])
                return None
            return result["median_tokens_per_second"]

        torch_policy = os.path.join(HERE, "torch-scalar-readback-policy.json")
        runs = interleave(runner, "bench-torch", client, pairs, tokens_per_second, ["--policy", torch_policy])
        results["torch_generate_tokens_per_s"] = compare3("PyTorch generate t/s", runs)

        startup = [sys.executable, "-c", "import torch; torch.zeros(1, device='cuda'); torch.cuda.synchronize()"]
        runs = interleave(runner, "bench-torch-startup", startup, pairs, lambda r: r["seconds"] * 1000)
        results["torch_startup_ms"] = compare3("PyTorch start-up (import + first CUDA tensor)", runs,
                                               higher_is_better=False, unit=" ms")

    if "programs" in runner.args.only:
        program_benchmarks(runner, pairs, results)
    with open(os.path.join(runner.args.out, "bench.json"), "w") as f:
        json.dump(results, f, indent=2)


def mp_checks(runner, checks, model):
    """The multi-process clients (process groups: one /health per group)."""
    import multiprocess_clients  # imports this module (free_port): loaded only when asked for
    multiprocess_clients.run_checks(runner, checks, model)


# Every client's checks, by the name --only uses.
CLIENTS = {"torch": torch_checks, "llama": llama_checks, "jax": jax_checks, "cupy": cupy_checks, "mp": mp_checks}
# What --only can name: the clients and the small CUDA programs' benchmarks.
ONLY_NAMES = list(CLIENTS) + ["programs"]
# The clients that take the tiny GGUF model (mp: llama-server, one process).
MODEL_CLIENTS = ("llama", "mp")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", required=True, help="the project's build dir (vram-only-run, make-tiny-qwen2)")
    parser.add_argument("--gpu-tests", required=True, help="dir of the attach GPU test programs")
    parser.add_argument("--llama-bin", default="", help="llama.cpp's bin dir (llama-simple, llama-bench)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default=".cache/models", help="where the 1.1B benchmark GGUF is written (kept)")
    parser.add_argument("--only", default=",".join(ONLY_NAMES),
                        help="comma list of what to run: clients (" + ", ".join(CLIENTS) + "; mp: "
                             "multiprocess_clients.py) and 'programs' (the small CUDA programs' benchmarks); "
                             "default: all")
    parser.add_argument("--bench", action="store_true", help="also measure the overhead")
    parser.add_argument("--no-checks", action="store_true", help="skip the checks (with --bench: measure only)")
    parser.add_argument("--pairs", type=int, default=5, help="rotated rounds (plain, interpose, cupti) per benchmark")
    parser.add_argument("--check-arguments", action="store_true",
                        help="check the arguments and exit (scripts/gpu-realclients does, before it builds)")
    args = parser.parse_args()
    args.only = args.only.split(",")
    unknown = [name for name in args.only if name not in ONLY_NAMES]
    if unknown:
        parser.error(f"--only: unknown name {unknown[0]!r} (known: {', '.join(ONLY_NAMES)})")
    if args.pairs < 1:
        parser.error(f"--pairs: must be at least 1, not {args.pairs}")
    if args.check_arguments:
        return 0
    os.makedirs(args.out, exist_ok=True)
    runner = Runner(args)
    checks = Checks(args.out)

    model = os.path.join(args.out, "tiny-qwen2.gguf")
    model_1b = None
    if "llama" in args.only:
        r = runner.run("make-tiny-qwen2", [os.path.join(args.build, "bin", "make-tiny-qwen2"), model])
        checks.check("llama: tiny qwen2 GGUF written", r["rc"] == 0 and os.path.exists(model), r["err"][-300:])
        if args.bench:
            # 2 GiB: written outside --out, which comes back from the GPU machine.
            model_1b = os.path.join(args.models, "bench-llama-1b.gguf")
            os.makedirs(args.models, exist_ok=True)
            if not os.path.exists(model_1b):
                r = runner.run("make-bench-llama-1b", [os.path.join(args.build, "bin", "make-tiny-llama"), model_1b,
                                                      "--preset", "bench-llama-1b"])
                if not checks.check("llama: 1.1B bench GGUF written", r["rc"] == 0 and os.path.exists(model_1b),
                                    r["err"][-300:]):
                    model_1b = None
    for name, client_checks in CLIENTS.items():
        if name not in args.only or args.no_checks or (name == "llama" and not args.llama_bin):
            continue
        try:
            client_checks(runner, checks, model) if name in MODEL_CLIENTS else client_checks(runner, checks)
        except Exception as error:  # a broken client is a failure, not a crash
            checks.check(f"{name}: client ran", False, repr(error))
    if args.bench:
        try:
            benchmarks(runner, checks, model, model_1b, args.pairs)
        except Exception as error:
            checks.check("bench: ran", False, repr(error))
    return 0 if checks.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
