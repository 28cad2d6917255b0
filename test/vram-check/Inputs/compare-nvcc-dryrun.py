"""compare-nvcc-dryrun.py <nvcc> <vram-check> <work dir>

nvcc's own rules for option lists decide: for each case, the macros that
`nvcc --dryrun` hands to the host compiler (its first gcc command, read as
the shell reads it) must be exactly the macros vram-check gives clang
(--export-compile-commands, host side). Prints each case; exits 1 on a
difference.
"""
import json
import os
import shlex
import subprocess
import sys

CASES = [
    ["-DGGML_CUDA_FA_QUANTS=\"q4_0-q4_0,q8_0-q8_0,f16-f16,bf16-bf16\""],
    ["-DX=1,Y=2"],
    ["-DZ=a\\,b"],
    ["-DA=a\\b"],
    ["-DA=a\\\\b"],
    ["-DA=\"x,y\"z,w"],
    ["-DW='p,q'"],
    ["-DA=,B"],
    ["-DA=1,,B=2"],
    ["--define-macro", "L=1,M=\"2,3\""],
    ["-Xcompiler", "-DH=\"1,2\",-DK=3"],
    ["-Xcompiler", "-DM=1 -DN=2"],
    ["-Xcompiler=-DP=\"x y\",-DR"],
]


def user_macros(args):
    """-D values in order, without the ones nvcc adds itself."""
    out = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-D" and i + 1 < len(args):
            out.append(args[i + 1])
            i += 2
            continue
        if a.startswith("-D") and len(a) > 2:
            out.append(a[2:])
        i += 1
    return [m for m in out if not m.startswith("__") and m != "CUDA_DOUBLE_MATH_FUNCTIONS"]


def nvcc_macros(nvcc, work, case):
    cmd = [nvcc, "--dryrun", "-c", "a.cu", "-o", "a.o"] + case
    text = subprocess.run(cmd, cwd=work, capture_output=True, text=True).stderr
    for line in text.splitlines():
        line = line.removeprefix("#$ ")
        words = shlex.split(line)
        if words and os.path.basename(words[0]) in ("gcc", "g++", "c++") and "-E" in words:
            return user_macros(words[1:])
    raise SystemExit("no host preprocessing command in nvcc --dryrun output:\n" + text)


def vram_check_macros(nvcc, vram_check, work, case):
    db = os.path.join(work, "db")
    os.makedirs(db, exist_ok=True)
    entry = {"directory": work, "file": "a.cu",
             "arguments": [nvcc, "-c", "a.cu", "-o", "a.o"] + case}
    with open(os.path.join(db, "compile_commands.json"), "w") as f:
        json.dump([entry], f)
    out = os.path.join(work, "exported")
    subprocess.run([vram_check, "-p", db, "--export-compile-commands=" + out],
                   check=True, capture_output=True)
    with open(os.path.join(out, "compile_commands.json")) as f:
        jobs = json.load(f)
    host = [j for j in jobs if "--cuda-host-only" in j["arguments"]][0]
    return user_macros(host["arguments"][1:])


def main():
    nvcc, vram_check, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "a.cu"), "w") as f:
        f.write("int main() {}\n")
    failed = False
    for case in CASES:
        want = nvcc_macros(nvcc, work, case)
        got = vram_check_macros(nvcc, vram_check, work, case)
        status = "same" if want == got else "DIFFERENT"
        failed |= want != got
        print("%s: %s -> nvcc %s, vram-check %s" % (status, shlex.join(case), want, got))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
