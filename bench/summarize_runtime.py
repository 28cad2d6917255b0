#!/usr/bin/env python3
"""Prints the runtime benchmarks' results as ratios against the baselines
measured in the same run, with the project's floors.

Usage: summarize_runtime.py RESULTS.json [--markdown]

RESULTS.json is Google Benchmark's --benchmark_out (JSON). With repetitions,
every figure is the median over repetitions and the best (min time / max
throughput) is shown next to it. Standard library only (the GPU machine has
no PyPI).
"""

import argparse
import json
import statistics
import sys
from collections import defaultdict


def load(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    runs = defaultdict(list)
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        runs[b.get("run_name", b["name"])].append(b)
    return data.get("context", {}), runs


def to_ns(b, key="real_time"):
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
    return b[key] * scale


class Results:
    def __init__(self, runs):
        self.runs = runs

    def has(self, name):
        return name in self.runs

    def ns(self, name, per_item=False):
        """(median, min) nanoseconds per iteration (or per item)."""
        rs = self.runs.get(name)
        if not rs:
            return None
        if per_item:
            values = [1e9 / r["items_per_second"] for r in rs if r.get("items_per_second")]
        else:
            values = [to_ns(r) for r in rs]
        return statistics.median(values), min(values)

    def rate(self, name):
        """(median, max) items per second (aggregate over threads)."""
        rs = self.runs.get(name)
        if not rs:
            return None
        values = [r["items_per_second"] for r in rs if r.get("items_per_second")]
        return (statistics.median(values), max(values)) if values else None

    def counter(self, name, key):
        rs = self.runs.get(name)
        if not rs or key not in rs[0]:
            return None
        values = [r[key] for r in rs]
        return statistics.median(values), min(values)


def fmt_ns(pair):
    if pair is None:
        return "n/a"
    med, best = pair
    unit, div = ("ns", 1.0)
    if med >= 1e6:
        unit, div = ("ms", 1e6)
    elif med >= 1e4:
        unit, div = ("us", 1e3)
    return f"{med / div:.1f} {unit} (min {best / div:.1f})"


def fmt_ratio(value):
    return "n/a" if value is None else f"{value:.2f}x"


def verdict(value, target, higher_is_better):
    if value is None:
        return "not measured"
    ok = value >= target if higher_is_better else value <= target
    return "meets" if ok else "MISSES"


class Table:
    def __init__(self, markdown):
        self.markdown = markdown
        self.rows = []

    def section(self, title):
        self.rows.append(("section", title))

    def row(self, what, measured, target="", result=""):
        self.rows.append(("row", (what, measured, target, result)))

    def note(self, text):
        self.rows.append(("note", text))

    def print(self):
        header = ("measure", "measured", "target", "")
        body = [r[1] for r in self.rows if r[0] == "row"]
        widths = [max(len(str(x[i])) for x in body + [header]) for i in range(4)]
        for kind, content in self.rows:
            if kind == "section":
                if self.markdown:
                    print(f"\n### {content}\n")
                    print("| " + " | ".join(header) + " |")
                    print("|" + "|".join("---" for _ in header) + "|")
                else:
                    print(f"\n== {content}")
            elif kind == "note":
                print(f"\n{content}\n" if self.markdown else f"   ({content})")
            else:
                if self.markdown:
                    print("| " + " | ".join(str(x) for x in content) + " |")
                else:
                    print("   " + "  ".join(str(x).ljust(w) for x, w in zip(content, widths)))


def main(argv):
    parser = argparse.ArgumentParser(
        description="Prints the runtime benchmarks' results as ratios against the baselines "
                    "measured in the same run, with the project's floors.")
    parser.add_argument("results", help="Google Benchmark JSON (--benchmark_out)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args(argv[1:])
    try:
        context, runs = load(args.results)
    except (OSError, ValueError, KeyError) as error:
        print(f"summarize_runtime.py: cannot read {args.results}: {error}", file=sys.stderr)
        return 2
    r = Results(runs)
    t = Table(args.markdown)

    print(f"machine: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs at "
          f"{context.get('mhz_per_cpu', '?')} MHz, date {context.get('date', '?')}, "
          f"load average {context.get('load_avg', '?')}")
    if context.get("gpu"):
        print(f"gpu: {context['gpu']}, driver {context.get('cuda_driver', '?')}")
    else:
        print("gpu: none (GPU rows are not measured)")
    reps = max((len(v) for v in runs.values()), default=0)
    print(f"repetitions: {reps}; figures are medians over repetitions (best in parentheses)")

    trackers = ["vram_only", "reader_slots_map", "mutex_unordered_map", "shared_mutex_map"]
    baselines = ["mutex_unordered_map", "shared_mutex_map"]

    # --- tracker, one thread
    t.section("Tracker, one thread (ns per operation)")
    for kind, target in (("tracker_pair", None), ("tracker_lookup", 30.0), ("tracker_lookup_mixed", None)):
        for name in trackers:
            run = f"{kind}/{name}/real_time/threads:1"
            if not r.has(run):
                continue
            v = r.ns(run)
            is_ours = name == "vram_only"
            t.row(f"{kind} {name}", fmt_ns(v),
                  f"<= {target:.0f} ns" if (is_ours and target) else "",
                  verdict(v[0], target, False) if (is_ours and target) else "")
    t.note("mutex_unordered_map looks up base addresses only; the others take any interior pointer; "
           "reader_slots_map is the candidate design (std::map under the same ReaderSlotsLock)")

    # --- scaling
    t.section("Tracker throughput (aggregate Mops/s) by threads")
    for kind in ("tracker_pair", "tracker_pair_interleaved", "tracker_lookup", "tracker_lookup_mixed"):
        for name in trackers:
            if not r.has(f"{kind}/{name}/real_time/threads:1"):
                continue
            cells = []
            for threads in (1, 2, 4, 8, 16):
                v = r.rate(f"{kind}/{name}/real_time/threads:{threads}")
                cells.append("-" if v is None else f"{v[0] / 1e6:.1f}")
            t.row(f"{kind} {name}", "  ".join(f"{n}T:{c}" for n, c in zip((1, 2, 4, 8, 16), cells)))
        has_target = kind == "tracker_lookup"  # the floor: lookups at 8 threads >= 4x one thread
        ours1 = r.rate(f"{kind}/vram_only/real_time/threads:1")
        ours8 = r.rate(f"{kind}/vram_only/real_time/threads:8")
        scale = ours8[0] / ours1[0] if ours1 and ours8 else None
        t.row(f"{kind}: vram_only 8 threads / 1 thread", fmt_ratio(scale),
              ">= 4x" if has_target else "", verdict(scale, 4.0, True) if has_target else "")
        best = max((r.rate(f"{kind}/{n}/real_time/threads:8") or (0, 0))[0] for n in baselines)
        vs = ours8[0] / best if ours8 and best else None
        t.row(f"{kind}: vram_only / best baseline at 8 threads", fmt_ratio(vs))
    cpus = context.get("num_cpus")
    if isinstance(cpus, int) and cpus < 8:
        t.note(f"this machine has {cpus} CPUs: scaling beyond {cpus} threads cannot show here")

    # --- checks
    t.section("Tensor-construction check vs pointer-attribute query")
    view = r.ns("view_check/tracked")
    t.row("view_check on a tracked pointer (CPU, cached residency)", fmt_ns(view))
    driver = r.ns("residency_query/driver")
    runtime = r.ns("residency_query/runtime")
    tracked_gpu = r.ns("view_check/tracked_gpu")
    t.row("cuPointerGetAttributes (3 attributes)", fmt_ns(driver))
    t.row("cudaPointerGetAttributes", fmt_ns(runtime))
    t.row("view_check on a tracked device pointer", fmt_ns(tracked_gpu))
    t.row("view_check on an untracked device pointer", fmt_ns(r.ns("view_check/untracked_gpu")))
    ratio = runtime[0] / tracked_gpu[0] if runtime and tracked_gpu else None
    t.row("cudaPointerGetAttributes / tracked view check", fmt_ratio(ratio), ">= 3x", verdict(ratio, 3.0, True))
    ratio_d = driver[0] / tracked_gpu[0] if driver and tracked_gpu else None
    t.row("cuPointerGetAttributes / tracked view check", fmt_ratio(ratio_d))

    # --- cudaMalloc overhead
    t.section("Tracker overhead on cudaMalloc + cudaFree")
    for size, label in ((4096, "4 KiB"), (64 << 20, "64 MiB")):
        pair = r.ns(f"tracker_pair_sized/{size}")
        plain = r.ns(f"cuda_malloc_free/{size}")
        tracked = r.ns(f"cuda_malloc_free_tracked/{size}")
        t.row(f"tracker record+deallocate, {label}", fmt_ns(pair))
        t.row(f"cudaMalloc+cudaFree, {label}", fmt_ns(plain))
        t.row(f"cudaMalloc+record+deallocate+cudaFree, {label}", fmt_ns(tracked))
        share = pair[0] / plain[0] * 100 if pair and plain else None
        t.row(f"tracker share of cudaMalloc+cudaFree, {label}",
              "n/a" if share is None else f"{share:.2f}%", "<= 1%",
              verdict(share, 1.0, False))

    # --- sweeps (interleaved: sweep and bare loop alternate within one benchmark)
    t.section("Sweep, per allocation (sweep and bare queries interleaved A B B A)")
    for kind, label, target in (("sweep_interleaved_cpu", "CPU, oracle answers at once", None),
                                ("sweep_interleaved_gpu", "GPU, CUDA driver", 1.2)):
        for n in (1000, 10000, 100000):
            run = f"{kind}/{n}"
            ratio = r.counter(run, "ratio")
            sweep = r.counter(run, "sweep_ns")
            bare = r.counter(run, "bare_ns")
            if ratio is None:
                t.row(f"{label}, {n} allocations: sweep / bare queries", "n/a",
                      f"<= {target}x" if target else "", "not measured" if target else "")
                continue
            t.row(f"{label}, {n} allocations: sweep / bare queries",
                  f"{fmt_ratio(ratio[0])} ({sweep[0]:.1f} ns vs {bare[0]:.1f} ns)",
                  f"<= {target}x" if target else "",
                  verdict(ratio[0], target, False) if target else
                  f"tracker adds {sweep[0] - bare[0]:.1f} ns")
    for n in (1000, 10000, 100000):
        shuffled = r.ns(f"sweep_gpu/bare_driver_queries_shuffled/{n}", per_item=True)
        if shuffled is not None:
            t.row(f"GPU, {n} allocations: bare driver queries, shuffled order", fmt_ns(shuffled))

    t.section("record+deallocate latency on another thread during sweeps of 100k allocations")
    for kind in ("pair_latency_cpu", "pair_latency_gpu"):
        for mode in ("idle", "100k_sweeping"):
            run = f"{kind}/{mode}/iterations:300000/real_time"
            p50 = r.counter(run, "p50_ns")
            p99 = r.counter(run, "p99_ns")
            mx = r.counter(run, "max_ns")
            sweeps = r.counter(run, "sweeps")
            if p50 is None:
                t.row(f"{kind} {mode}", "n/a", "p99 <= 2 us" if mode != "idle" else "", "not measured" if mode != "idle" else "")
                continue
            text = f"p50 {p50[0]:.0f} ns, p99 {p99[0]:.0f} ns, max {mx[0] / 1e3:.0f} us"
            if mode != "idle":
                text += f", {sweeps[0]:.0f} sweeps"
            t.row(f"{kind} {mode}", text, "p99 <= 2 us" if mode != "idle" else "",
                  verdict(p99[0], 2000.0, False) if mode != "idle" else "")

    t.section("/health on loopback (4 keep-alive clients, 2 s)")
    for mode in ("idle", "sweeping", "under_load"):
        run = f"health_endpoint/{mode}/iterations:1/real_time"
        rps = r.counter(run, "rps")
        if rps is None:
            t.row(f"/health {mode}", "n/a")
            continue
        p50 = r.counter(run, "p50_us")
        p99 = r.counter(run, "p99_us")
        errors = r.counter(run, "errors")
        t.row(f"/health {mode}", f"{rps[0]:.0f} req/s, p50 {p50[0]:.0f} us, p99 {p99[0]:.0f} us, "
              f"errors {errors[0]:.0f}")

    t.print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
