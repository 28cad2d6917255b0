#!/usr/bin/env python3
"""Compares greedy runs of llama.cpp, the worker and the CPU reference
(scripts/gpu-llama-golden) and writes the golden file of llama.cpp's logits.

Each case is "preset|fnv|prompt index|prompt text|path prefix"; the prefix
names <prefix>.llama.json (llama-cpp-logits), <prefix>.worker.json (the
worker on the prompt text), <prefix>.worker-ids.json (the worker on
llama.cpp's token ids) and <prefix>.cpu.json (cpu-reference-logits on them).
Each JSON has prompt_tokens, generated_tokens and logits (one row per
position run: the prompt's, then every generated token's but the last).

A case passes when
  - the worker tokenizes the prompt as llama.cpp does,
  - the worker's and the CPU reference's greedy tokens equal llama.cpp's,
  - at every position, max |worker logit - llama.cpp logit| <= REL_TOL[type]
    x max(1, max |llama.cpp logit| over the case).
Standard library only (the GPU machine has no package registry).
"""
import argparse
import json
import os
import sys

# Relative tolerance of the logits, by the type of the model's matrices. F32:
# float rounding in differently ordered sums; F16: llama.cpp may round the
# activations to F16 for its F16 matrix products (the worker keeps them F32).
REL_TOL = {"f32": 2e-3, "f16": 2e-2}
TOP_K = 5


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def top(row, k):
    order = sorted(range(len(row)), key=lambda i: (-row[i], i))[:k]
    return [[i, row[i]] for i in order]


def margin(row):
    a, b = sorted(row, reverse=True)[:2]
    return a - b


def max_diff(a, b):
    """The largest |a - b| over all positions both have; None if shapes differ."""
    if a is None or b is None or len(a["logits"]) != len(b["logits"]):
        return None
    worst = 0.0
    for ra, rb in zip(a["logits"], b["logits"]):
        if len(ra) != len(rb):
            return None
        worst = max(worst, max(abs(x - y) for x, y in zip(ra, rb)))
    return worst


def fmt(x):
    return "n/a" if x is None else f"{x:.2e}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--golden", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()

    lines = []
    golden_cases = []
    failures = 0
    header = (f"{'model':<14} {'prompt':>6} {'tokenizer':>9} {'tokens':>11} {'max|dlogit| worker':>19} "
              f"{'(rel)':>9} {'tol (rel)':>9} {'cpu ref':>9} {'min margin':>10}  verdict")
    lines.append(header)
    lines.append("-" * len(header))
    for case in args.cases:
        preset, fnv, index, prompt, prefix = case.split("|", 4)
        llama = load(prefix + ".llama.json")
        worker_text = load(prefix + ".worker.json")
        worker = load(prefix + ".worker-ids.json")
        cpu = load(prefix + ".cpu.json")
        weight_type = "f32" if preset.endswith("f32") else "f16"
        rel_tol = REL_TOL[weight_type]
        problems = []
        if llama is None:
            lines.append(f"{preset:<14} {index:>6}  llama.cpp produced nothing (see {prefix}.llama.log)")
            failures += 1
            continue
        scale = max(1.0, max(abs(x) for row in llama["logits"] for x in row))
        same_tokenizer = worker_text is not None and worker_text["prompt_tokens"] == llama["prompt_tokens"]
        if not same_tokenizer:
            problems.append("tokenization differs: worker " +
                            (str(worker_text["prompt_tokens"]) if worker_text else "failed") +
                            ", llama.cpp " + str(llama["prompt_tokens"]))
        n = len(llama["generated_tokens"])
        same = 0
        if worker is not None:
            for a, b in zip(worker["generated_tokens"], llama["generated_tokens"]):
                if a != b:
                    break
                same += 1
        if same != n:
            problems.append(f"worker tokens {worker['generated_tokens'] if worker else 'failed'} != llama.cpp "
                            f"{llama['generated_tokens']}")
        if cpu is None or cpu["generated_tokens"] != llama["generated_tokens"]:
            problems.append("CPU reference tokens differ from llama.cpp's")
        diff = max_diff(worker, llama)
        cpu_diff = max_diff(cpu, llama)
        if diff is None or diff > rel_tol * scale:
            problems.append(f"worker logits differ by {fmt(diff)} > {rel_tol} x {scale:.1f}")
        p = len(llama["prompt_tokens"])
        min_margin = min(margin(row) for row in llama["logits"][p - 1:])
        verdict = "ok" if not problems else "FAIL"
        failures += bool(problems)
        rel = None if diff is None else diff / scale
        lines.append(f"{preset:<14} {index:>6} {'same' if same_tokenizer else 'DIFFERS':>9} "
                     f"{f'{same}/{n} same':>11} {fmt(diff):>19} {fmt(rel):>9} {rel_tol:>9.0e} "
                     f"{fmt(cpu_diff):>9} {min_margin:>10.3f}  {verdict}")
        for problem in problems:
            lines.append("    " + problem)
        golden_cases.append({
            "preset": preset,
            "fnv1a64": fnv,
            "prompt": prompt,
            "prompt_tokens": llama["prompt_tokens"],
            "generated_tokens": llama["generated_tokens"],
            "max_abs_logit": scale,
            "rel_tolerance": rel_tol,
            # top[i]: llama.cpp's TOP_K largest logits after the token at position i
            "top": [top(row, TOP_K) for row in llama["logits"]],
        })
    lines.append("")
    lines.append(f"{len(args.cases) - failures} of {len(args.cases)} cases agree with llama.cpp"
                 f" (tokens: {len(llama['generated_tokens']) if args.cases else 0} greedy tokens each;"
                 f" logits: every position; min margin: smallest top-1 minus top-2 logit of llama.cpp"
                 f" along the greedy path)")
    with open(args.report, "w") as f:
        f.write("\n".join(lines) + "\n")
    golden = {
        "description": "llama.cpp's greedy tokens and top logits for the tiny models of make-tiny-llama --preset; "
                       "written by scripts/gpu-llama-golden, read by test/worker/llama_golden_gpu_test.cpp",
        "llama_cpp": "llama-cpp-python==0.3.36 sdist, vendor/llama.cpp, CUDA, F32 KV cache, flash attention off",
        "top_k": TOP_K,
        "cases": golden_cases,
    }
    with open(args.golden, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
