#!/usr/bin/env python3
"""PyTorch as a real client of vram-only-run (run it under vram-only-run).

Modes:
  generate   tensors on cuda, then a tiny Qwen2 model built from a config with
             random weights (no download) generating tokens; then checks that
             every caching-allocator byte is tracked: the tracked bytes in
             /metrics cover torch.cuda.memory_reserved(), and empty_cache()
             releases exactly what the allocator gave back.
  pin        one pinned host tensor (pin_memory=True) of --pin-bytes bytes.
  bench      generation tokens/s (median of --repeats runs), for scripts/bench.

Under vram-only-run with --health, the health endpoint is read from
VRAM_ONLY_HEALTH (set by vram-only-run). Prints one JSON object on stdout.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request


def fetch(path):
    """(status, body) of GET path on the in-process health server, or (None, "")."""
    address = os.environ.get("VRAM_ONLY_HEALTH")
    if not address:
        return None, ""
    try:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return None, str(error)


def tracked():
    """(tracked bytes, tracked allocations) from /metrics, or (None, None)."""
    status, body = fetch("/metrics")
    if status != 200:
        return None, None
    total = 0
    count = None
    for line in body.splitlines():
        if line.startswith("vram_only_tracked_bytes{"):
            total += int(line.rsplit(" ", 1)[1])
        elif line.startswith("vram_only_tracked_allocations "):
            count = int(line.rsplit(" ", 1)[1])
    return total, count


def tiny_model(torch):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=2048, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024)
    return Qwen2ForCausalLM(config).to("cuda").eval()


def generate(torch, model, new_tokens):
    input_ids = torch.randint(0, 2048, (1, 16), device="cuda")
    with torch.no_grad():
        out = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=new_tokens,
                             min_new_tokens=new_tokens, do_sample=False, pad_token_id=0)
    torch.cuda.synchronize()
    return out.shape[1] - input_ids.shape[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["generate", "pin", "bench"])
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pin-bytes", type=int, default=4 << 20)
    args = parser.parse_args()

    import torch

    result = {"mode": args.mode, "torch": torch.__version__,
              "alloc_conf": os.environ.get("PYTORCH_CUDA_ALLOC_CONF", "")}
    if args.mode == "pin":
        host = torch.empty(args.pin_bytes, dtype=torch.uint8, pin_memory=True)
        result["pinned_bytes"] = host.numel()
        result["is_pinned"] = bool(host.is_pinned())
    elif args.mode == "generate":
        x = torch.randn(1024, 1024, device="cuda")
        y = (x @ x).sum().item()
        result["matmul_ok"] = y == y
        model = tiny_model(torch)
        result["generated_tokens"] = generate(torch, model, args.tokens)
        del x
        result["reserved_bytes"] = torch.cuda.memory_reserved()
        result["segments"] = torch.cuda.memory_stats().get("segment.all.current", 0)
        result["tracked_bytes"], result["tracked_allocations"] = tracked()
        # Drop the model, give the cache back: the tracker must follow.
        del model
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        result["reserved_bytes_after_empty_cache"] = torch.cuda.memory_reserved()
        result["tracked_bytes_after_empty_cache"], _ = tracked()
    else:
        model = tiny_model(torch)
        generate(torch, model, 8)  # warm-up
        rates = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            n = generate(torch, model, args.tokens)
            rates.append(n / (time.perf_counter() - start))
        rates.sort()
        result["tokens_per_second"] = rates
        result["median_tokens_per_second"] = rates[len(rates) // 2]
    status, body = fetch("/health")
    result["health_status"] = status
    result["health"] = json.loads(body) if status in (200, 503) else body
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
