"""The cost of the analysis, measured side by side.

  bench_analysis.py --build <build dir> --work <dir> [--repetitions N]

1. clang-tidy-19 on a large CUDA worker (host and device sides) and a large
   C++ service: parse only (one check that matches nothing,
   portability-restrict-system-includes; clang-tidy parses nothing when no
   check is enabled), --checks=-*,vram-* with the module, and
   cppcoreguidelines-no-malloc configured with the policy's function names.
   Target: vram-* adds <= 3% to the parse-only time.
2. The compiler plugin: clang++ -fsyntax-only with and without -fplugin.
   Target: <= 2%.
3. vram-check over a compile database of 50+ translation units (nvcc and g++
   entries), -j 1 and -j <all cores>.
With --instructions, 1. and 2. are also counted in instructions with
valgrind's callgrind on a smaller CUDA unit (host side): a count that does
not depend on what else the machine is doing, for noisy or shared machines.

Runs of the variants being compared are interleaved (A B C A B C ...) so
that drift in the machine's speed hits them alike. Reports min and median
wall-clock seconds and the ratios; writes the figures as JSON too.
Benchmarks report; this script fails only when a run itself fails.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_timed(argv, cwd=None):
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, proc


def measure(variants, repetitions, expect):
    """variants: {name: argv}; expect: {name: allowed return codes}."""
    times = {name: [] for name in variants}
    for _ in range(repetitions):
        for name, argv in variants.items():
            elapsed, proc = run_timed(argv)
            if proc.returncode not in expect.get(name, (0,)):
                sys.exit(f"bench: '{name}' failed ({proc.returncode}):\n{' '.join(argv)}\n"
                         f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
            times[name].append(elapsed)
    return {name: {"min": min(t), "median": statistics.median(t), "runs": t}
            for name, t in times.items()}


def count_instructions(argv):
    """Instructions executed by argv and its child processes (callgrind)."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                           "--callgrind-out-file=/dev/null"] + argv,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    counts = [int(line.split("Collected :")[1].replace(",", "").strip())
              for line in proc.stderr.splitlines() if "Collected :" in line]
    if not counts:
        sys.exit(f"bench: callgrind gave no count for {' '.join(argv)}:\n{proc.stderr[-2000:]}")
    return sum(counts)


def ratio(results, name, baseline):
    return (results[name]["min"] / results[baseline]["min"],
            results[name]["median"] / results[baseline]["median"])


def policy_function_names(vram_check):
    policy = json.loads(subprocess.check_output([vram_check, "--print-policy"], text=True))
    names = []
    for entry in policy["entries"]:
        if entry["kind"] == "function":
            names.extend("::" + s for s in entry["symbols"])
    return sorted(set(names))


def export_commands(vram_check, sources, work):
    """clang 19 command lines for the sources, as vram-check analyses them."""
    db = os.path.join(work, "tu-db")
    os.makedirs(db, exist_ok=True)
    entries = []
    for src in sources:
        if src.endswith(".cu"):
            cmd = (f"/usr/local/cuda/bin/nvcc -std=c++17 "
                   f"--generate-code=arch=compute_90,code=[compute_90,sm_90] -x cu -c {src} -o x.o")
        else:
            cmd = f"/usr/bin/c++ -std=gnu++17 -isystem /usr/local/cuda/include -c {src} -o x.o"
        entries.append({"directory": db, "command": cmd, "file": src})
    with open(os.path.join(db, "compile_commands.json"), "w") as f:
        json.dump(entries, f)
    out = os.path.join(work, "tu-export")
    subprocess.check_output([vram_check, "-p", db, f"--export-compile-commands={out}"], text=True)
    with open(os.path.join(out, "compile_commands.json")) as f:
        return out, json.load(f)


def main():
    parser = argparse.ArgumentParser(description="analysis benchmarks")
    parser.add_argument("--build", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--json", default=None)
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions with callgrind (slow)")
    args = parser.parse_args()

    build = os.path.abspath(args.build)
    work = os.path.abspath(args.work)
    vram_check = os.path.join(build, "bin", "vram-check")
    module = os.path.join(build, "lib", "VramOnlyTidyModule.so")
    plugin = os.path.join(build, "lib", "VramOnlyPlugin.so")
    clang_tidy = shutil.which("clang-tidy-19") or "/usr/lib/llvm-19/bin/clang-tidy"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.check_call([sys.executable, os.path.join(HERE, "generate_sources.py"), work])
    sources = [os.path.join(work, "large_worker.cu"), os.path.join(work, "large_service.cpp")]
    export_dir, exported = export_commands(vram_check, sources, work)
    allocations = ";".join(policy_function_names(vram_check))
    reps = args.repetitions
    report = {"machine": {"host": platform.node(), "cpus": os.cpu_count(),
                          "processor": platform.processor() or platform.machine()},
              "date": time.strftime("%Y-%m-%d"), "repetitions": reps, "clang_tidy": {},
              "plugin": {}, "vram_check": {}}
    lines = []

    # 1. clang-tidy: each TU, all of its sides (-p the exported database).
    for src in sources:
        base = [clang_tidy, "--quiet", "-p", export_dir, src]
        no_malloc_config = ("{Checks: '-*,cppcoreguidelines-no-malloc', CheckOptions: {"
                            f"cppcoreguidelines-no-malloc.Allocations: '{allocations}', "
                            "cppcoreguidelines-no-malloc.Reallocations: '::realloc', "
                            "cppcoreguidelines-no-malloc.Deallocations: '::free'}}")
        variants = {
            "parse-only": base + ["--checks=-*,portability-restrict-system-includes"],
            "vram-*": base + [f"--load={module}", "--checks=-*,vram-*"],
            "cppcoreguidelines-no-malloc": base + [f"--config={no_malloc_config}"],
        }
        results = measure(variants, reps, {})
        name = os.path.basename(src)
        report["clang_tidy"][name] = results
        sides = sum(1 for e in exported if e["file"] == src)
        lines.append(f"clang-tidy {name} ({sides} side(s)), seconds min / median:")
        for variant in variants:
            r = results[variant]
            rmin, rmed = ratio(results, variant, "parse-only")
            lines.append(f"  {variant:30s} {r['min']:7.2f} / {r['median']:7.2f}   "
                         f"x{rmin:.3f} / x{rmed:.3f} of parse-only")

    # 2. The plugin: the host-side command of each TU, with and without it.
    for src in sources:
        argv = next(e["arguments"] for e in exported if e["file"] == src
                    and "--cuda-device-only" not in e["arguments"])
        variants = {"clang -fsyntax-only": argv,
                    "clang -fsyntax-only -fplugin": argv[:1] + [f"-fplugin={plugin}"] + argv[1:]}
        results = measure(variants, reps, {})
        name = os.path.basename(src)
        report["plugin"][name] = results
        rmin, rmed = ratio(results, "clang -fsyntax-only -fplugin", "clang -fsyntax-only")
        lines.append(f"plugin {name} (host side), seconds min / median:")
        for variant in variants:
            r = results[variant]
            lines.append(f"  {variant:30s} {r['min']:7.2f} / {r['median']:7.2f}")
        lines.append(f"  plugin overhead: x{rmin:.3f} (min) / x{rmed:.3f} (median)")

    # 3. vram-check over the database, serial and parallel.
    db_build = os.path.join(work, "db", "build")
    with open(os.path.join(db_build, "compile_commands.json")) as f:
        units = len(json.load(f))
    cores = os.cpu_count() or 1
    variants = {"-j 1": [vram_check, "-p", db_build, "-j", "1"],
                f"-j {cores}": [vram_check, "-p", db_build, "-j", str(cores)]}
    results = measure(variants, reps, {})
    report["vram_check"] = {"units": units, "results": results}
    serial = results["-j 1"]["min"]
    lines.append(f"vram-check over {units} translation units ({cores} cores), seconds min / median:")
    for variant in variants:
        r = results[variant]
        lines.append(f"  {variant:30s} {r['min']:7.2f} / {r['median']:7.2f}   "
                     f"{r['min'] / units:.3f} s per unit, speed-up x{serial / r['min']:.2f}")

    if args.instructions:
        unit = os.path.join(work, "db", "src", "worker_0.cu")
        _, small = export_commands(vram_check, [unit], os.path.join(work, "small"))
        host = next(e["arguments"] for e in small if "--cuda-host-only" in e["arguments"])
        tidy_flags = host[2:-1]
        tidy = [clang_tidy, "--quiet", unit]
        variants = {
            "clang-tidy parse-only": tidy[:2] + ["--checks=-*,portability-restrict-system-includes"]
                                     + tidy[2:] + ["--"] + tidy_flags,
            "clang-tidy vram-*": tidy[:2] + [f"--load={module}", "--checks=-*,vram-*"]
                                 + tidy[2:] + ["--"] + tidy_flags,
            "clang -fsyntax-only": host,
            "clang -fsyntax-only -fplugin": host[:1] + [f"-fplugin={plugin}"] + host[1:],
        }
        counts = {name: count_instructions(argv) for name, argv in variants.items()}
        report["instructions"] = counts
        lines.append(f"instructions (callgrind), {os.path.basename(unit)} host side:")
        for name, count in counts.items():
            lines.append(f"  {name:30s} {count:>16,d}")
        lines.append("  vram-* over parse-only: x%.4f; plugin over plain: x%.4f" % (
            counts["clang-tidy vram-*"] / counts["clang-tidy parse-only"],
            counts["clang -fsyntax-only -fplugin"] / counts["clang -fsyntax-only"]))

    header = (f"analysis benchmarks on {report['machine']['host']} "
              f"({cores} CPUs), {report['date']}, {reps} repetitions")
    print(header)
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
