"""vram-check on llama.cpp's CUDA build against the compilers of that build.

usage: bench_llama_cpp.py <build dir with compile_commands.json> <vram-check>
                          launcher | launcher-rounds [--rounds N] [--files named|all]
                          | database [--jobs N]

launcher: six representative ggml-cuda files, each compiled with its own
  command (nvcc alone), then through `vram-check --launcher --warn -- <the
  same command>` (--warn so that allreduce.cu's findings do not stop its
  compile): seconds each, the ratio and the difference per file.
launcher-rounds [--rounds N] [--files all]: ggml-cuda/norm.cu (nvcc) and
  src/llama-batch.cpp (g++), or with --files all those and the six above,
  each N rounds (default 5) of three ways in rotating order: the bare
  compile, the launcher with an empty cache (cold: the analysis runs beside
  the compile) and the launcher with the cache its own earlier run filled
  (warm: a rebuild of unchanged text). Medians with the range, of wall and
  CPU seconds, and the ratios of the medians to the bare compile.
database: a representative subset of the database (the six files above,
  CPU-backend and llama sources compiled by gcc): the real compiles at -j N
  against `vram-check -j N` over the same files: seconds and ratio.

Both baselines are measured in the same run, one after the other. Each
measure is wall-clock seconds and CPU seconds (user + system of the whole
process tree, from getrusage): on a shared machine the CPU seconds are the
figure, since other tenants' load stretches wall-clock time but not them.
"""
import argparse
import concurrent.futures
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time

LAUNCHER_FILES = [
    ("ggml-cuda.cu", "ggml/src/ggml-cuda/ggml-cuda.cu"),
    ("flash-attention instance", "ggml/src/ggml-cuda/template-instances/fattn-vec-instance-q4_0-q4_0.cu"),
    ("mmq instance", "ggml/src/ggml-cuda/template-instances/mmq-instance-q4_0.cu"),
    ("small kernel", "ggml/src/ggml-cuda/arange.cu"),
    ("medium kernel", "ggml/src/ggml-cuda/softmax.cu"),
    ("host registration", "ggml/src/ggml-cuda/allreduce.cu"),
]
GCC_FILES = [
    "ggml/src/ggml-cpu/ggml-cpu.c",
    "ggml/src/ggml-cpu/ops.cpp",
    "ggml/src/ggml.c",
    "src/llama-model.cpp",
    "src/llama-context.cpp",
    "common/common.cpp",
]


def entries_by_suffix(db):
    return {e["file"]: e for e in db}


def find(db, suffix):
    for e in db:
        if e["file"].endswith("/" + suffix):
            return e
    sys.exit("bench_llama_cpp: no entry for %s in the compile database" % suffix)


def argv_of(entry, out_dir):
    argv = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    argv = list(argv)
    # Objects go to a scratch directory: the build tree stays as configure left it.
    if "-o" in argv:
        i = argv.index("-o")
        argv[i + 1] = os.path.join(out_dir, os.path.basename(argv[i + 1]))
    return argv


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv, cwd, ok_codes=(0,)):
    """(wall seconds, CPU seconds) of one command."""
    cpu = children_cpu()
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    if proc.returncode not in ok_codes:
        sys.exit("bench_llama_cpp: %s failed (%d):\n%s" % (shlex.join(argv[:3]), proc.returncode, proc.stderr[-2000:]))
    return seconds, children_cpu() - cpu


def launcher(db, vram_check, out_dir):
    rows = []
    for label, suffix in LAUNCHER_FILES:
        e = find(db, suffix)
        argv = argv_of(e, out_dir)
        alone, alone_cpu = timed(argv, e["directory"])
        through, through_cpu = timed([vram_check, "--launcher", "--warn", "--"] + argv, e["directory"])
        rows.append((label, os.path.basename(suffix), alone, through))
        print("%-18s %-32s nvcc %6.1f s (CPU %6.1f s)  launcher %6.1f s (CPU %6.1f s)  "
              "CPU %.2fx +%.1f s  wall %.2fx" %
              (label, os.path.basename(suffix), alone, alone_cpu, through, through_cpu,
               through_cpu / alone_cpu, through_cpu - alone_cpu, through / alone), flush=True)
    return rows


ROUND_FILES = [
    ("norm (nvcc)", "ggml/src/ggml-cuda/norm.cu"),
    ("llama-batch (g++)", "src/llama-batch.cpp"),
]


def median_range(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return median, ordered[0], ordered[-1]


def launcher_rounds(db, vram_check, out_dir, rounds, files):
    """Bare compile / launcher cold / launcher warm, rotated, per file."""
    print("%d rounds each, three ways rotated; wall and CPU seconds: median [min..max]" % rounds)
    for label, suffix in files:
        e = find(db, suffix)
        argv = argv_of(e, out_dir)
        warm_dir = os.path.join(out_dir, "cache-warm-" + os.path.basename(suffix))
        ways = {
            "bare": lambda i: argv,
            "cold": lambda i: [vram_check, "--launcher", "--warn",
                               "--cache-dir=" + os.path.join(out_dir, "cache-cold-%s-%d" % (os.path.basename(suffix), i)),
                               "--"] + argv,
            "warm": lambda i: [vram_check, "--launcher", "--warn", "--cache-dir=" + warm_dir, "--"] + argv,
        }
        timed(ways["warm"](0), e["directory"])  # fills the warm cache
        names = list(ways)
        seen = {name: ([], []) for name in names}
        for i in range(rounds):
            for name in names[i % 3:] + names[:i % 3]:
                wall, cpu = timed(ways[name](i), e["directory"])
                seen[name][0].append(wall)
                seen[name][1].append(cpu)
        bare_wall = median_range(seen["bare"][0])[0]
        bare_cpu = median_range(seen["bare"][1])[0]
        for name in names:
            wall = median_range(seen[name][0])
            cpu = median_range(seen[name][1])
            print("%-18s %-22s %-4s wall %6.2f s [%.2f..%.2f] %.3fx  CPU %6.2f s [%.2f..%.2f] %.3fx (+%.2f s)" %
                  (label, os.path.basename(suffix), name, wall[0], wall[1], wall[2], wall[0] / bare_wall,
                   cpu[0], cpu[1], cpu[2], cpu[0] / bare_cpu, cpu[0] - bare_cpu), flush=True)


def database(db, vram_check, jobs, out_dir):
    entries = [find(db, s) for _, s in LAUNCHER_FILES] + [find(db, s) for s in GCC_FILES]
    cpu = children_cpu()
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda e: timed(argv_of(e, out_dir), e["directory"]), entries))
    compile_seconds = time.monotonic() - start
    compile_cpu = children_cpu() - cpu
    sub = os.path.join(out_dir, "subset")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "compile_commands.json"), "w") as f:
        json.dump(entries, f)
    cpu = children_cpu()
    start = time.monotonic()
    proc = subprocess.run([vram_check, "-p", sub, "-j", str(jobs), "--format=json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check_seconds = time.monotonic() - start
    check_cpu = children_cpu() - cpu
    print("%d sources (%d nvcc, %d gcc/g++) at -j%d: compile %.1f s (CPU %.1f s), "
          "vram-check %.1f s (CPU %.1f s, exit %d): wall %.2fx, CPU %.2fx" %
          (len(entries), len(LAUNCHER_FILES), len(GCC_FILES), jobs, compile_seconds, compile_cpu,
           check_seconds, check_cpu, proc.returncode, check_seconds / compile_seconds,
           check_cpu / compile_cpu), flush=True)
    print(proc.stderr.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("vram_check")
    parser.add_argument("mode", choices=["launcher", "launcher-rounds", "database"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--files", choices=["named", "all"], default="named")
    args = parser.parse_args()
    with open(os.path.join(args.build, "compile_commands.json")) as f:
        db = json.load(f)
    with tempfile.TemporaryDirectory(prefix="bench-llama-") as out_dir:
        if args.mode == "launcher":
            launcher(db, os.path.abspath(args.vram_check), out_dir)
        elif args.mode == "launcher-rounds":
            files = ROUND_FILES + (LAUNCHER_FILES if args.files == "all" else [])
            launcher_rounds(db, os.path.abspath(args.vram_check), out_dir, args.rounds, files)
        else:
            database(db, os.path.abspath(args.vram_check), args.jobs, out_dir)


if __name__ == "__main__":
    main()
