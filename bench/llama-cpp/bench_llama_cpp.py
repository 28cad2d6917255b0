"""vram-check on llama.cpp's CUDA build against the compilers of that build.

usage: bench_llama_cpp.py <build dir with compile_commands.json> <vram-check>
                          launcher | database [--jobs N] [--out FILE]

launcher: six representative ggml-cuda files, each compiled with its own
  command (nvcc alone), then through `vram-check --launcher --warn -- <the
  same command>` (--warn so that allreduce.cu's findings do not stop its
  compile): seconds each, the ratio and the difference per file.
database: a representative subset of the database (the six files above,
  CPU-backend and llama sources compiled by gcc): the real compiles at -j N
  against `vram-check -j N` over the same files: seconds and ratio.

Both baselines are measured in the same run, one after the other, on an
otherwise shared machine: read the ratios, not the seconds.
"""
import argparse
import concurrent.futures
import json
import os
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


def timed(argv, cwd):
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("bench_llama_cpp: %s failed (%d):\n%s" % (shlex.join(argv[:3]), proc.returncode, proc.stderr[-2000:]))
    return seconds


def launcher(db, vram_check, out_dir):
    rows = []
    for label, suffix in LAUNCHER_FILES:
        e = find(db, suffix)
        argv = argv_of(e, out_dir)
        alone = timed(argv, e["directory"])
        through = timed([vram_check, "--launcher", "--warn", "--"] + argv, e["directory"])
        rows.append((label, os.path.basename(suffix), alone, through))
        print("%-26s %-40s nvcc %7.1f s  launcher %7.1f s  %.2fx  +%.1f s" %
              (label, os.path.basename(suffix), alone, through, through / alone, through - alone), flush=True)
    return rows


def database(db, vram_check, jobs, out_dir):
    entries = [find(db, s) for _, s in LAUNCHER_FILES] + [find(db, s) for s in GCC_FILES]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda e: timed(argv_of(e, out_dir), e["directory"]), entries))
    compile_seconds = time.monotonic() - start
    sub = os.path.join(out_dir, "subset")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "compile_commands.json"), "w") as f:
        json.dump(entries, f)
    start = time.monotonic()
    proc = subprocess.run([vram_check, "-p", sub, "-j", str(jobs), "--format=json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check_seconds = time.monotonic() - start
    print("%d sources (%d nvcc, %d gcc) at -j%d: compile %.1f s, vram-check %.1f s (exit %d), ratio %.2f" %
          (len(entries), len(LAUNCHER_FILES), len(GCC_FILES), jobs, compile_seconds, check_seconds,
           proc.returncode, check_seconds / compile_seconds), flush=True)
    print(proc.stderr.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("vram_check")
    parser.add_argument("mode", choices=["launcher", "database"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    with open(os.path.join(args.build, "compile_commands.json")) as f:
        db = json.load(f)
    with tempfile.TemporaryDirectory(prefix="bench-llama-") as out_dir:
        if args.mode == "launcher":
            launcher(db, os.path.abspath(args.vram_check), out_dir)
        else:
            database(db, os.path.abspath(args.vram_check), args.jobs, out_dir)


if __name__ == "__main__":
    main()
