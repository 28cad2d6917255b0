#!/usr/bin/env python3
"""JAX as a real client of vram-only-run (run it under vram-only-run).

Modes:
  compute   arrays on the GPU, a jitted function, a scalar read back; prints
            the result and the allocator's bytes_limit (XLA's BFC allocator:
            with XLA_PYTHON_CLIENT_PREALLOCATE unset or true it takes its whole
            region at start-up).
  pinned    also puts --bytes bytes in pinned host memory
            (memory_kind="pinned_host": XLA's pinned host transfers).

Prints one JSON object on stdout (health status when VRAM_ONLY_HEALTH is set).
"""
import argparse
import json

from health_client import health_status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["compute", "pinned"])
    parser.add_argument("--bytes", type=int, default=4 << 20)
    args = parser.parse_args()
    import jax
    import jax.numpy as jnp

    device = jax.devices("gpu")[0]
    x = jnp.arange(1 << 20, dtype=jnp.float32)

    @jax.jit
    def f(v):
        return jnp.sum(jnp.sin(v) ** 2 + jnp.cos(v) ** 2)

    total = float(f(x))
    result = {"mode": args.mode, "sum": total, "ok": abs(total - (1 << 20)) < 1.0,
              "bytes_limit": (device.memory_stats() or {}).get("bytes_limit")}
    if args.mode == "pinned":
        sharding = jax.sharding.SingleDeviceSharding(device, memory_kind="pinned_host")
        host = jax.device_put(jnp.ones(args.bytes // 4, dtype=jnp.float32), sharding)
        host.block_until_ready()
        result["pinned_bytes"] = args.bytes
    result["health_status"] = health_status()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
