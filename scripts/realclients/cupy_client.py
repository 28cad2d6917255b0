#!/usr/bin/env python3
"""CuPy as a real client of vram-only-run (run it under vram-only-run).

Modes:
  pool      arrays from CuPy's default memory pool (cudaMalloc underneath),
            a kernel, a result read back; prints the pool's total bytes.
  pinned    also --bytes bytes from cupy.cuda.alloc_pinned_memory.
  managed   CuPy's allocator set to a pool over cupy.cuda.malloc_managed,
            then an array of --bytes bytes (managed memory).

Prints one JSON object on stdout (health status when VRAM_ONLY_HEALTH is set).
"""
import argparse
import json

from health_client import health_status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["pool", "pinned", "managed"])
    parser.add_argument("--bytes", type=int, default=4 << 20)
    args = parser.parse_args()
    import cupy

    result = {"mode": args.mode}
    if args.mode == "managed":
        cupy.cuda.set_allocator(cupy.cuda.MemoryPool(cupy.cuda.malloc_managed).malloc)
        managed = cupy.ones(args.bytes // 4, dtype=cupy.float32)
        result["managed_sum"] = float(managed.sum())
        result["managed_bytes"] = args.bytes
    x = cupy.arange(1 << 20, dtype=cupy.float32)
    total = float(cupy.sum(cupy.sin(x) ** 2 + cupy.cos(x) ** 2))
    result.update({"sum": total, "ok": abs(total - (1 << 20)) < 1.0,
                   "pool_total_bytes": cupy.get_default_memory_pool().total_bytes()})
    if args.mode == "pinned":
        pinned = cupy.cuda.alloc_pinned_memory(args.bytes)
        result["pinned_bytes"] = args.bytes
        result["pinned_pointer"] = pinned.ptr != 0
    result["health_status"] = health_status()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
