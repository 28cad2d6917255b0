#!/usr/bin/env python3
"""The multi-process PyTorch programs of multiprocess_clients.py, run under
vram-only-run. They talk to the checker through files in WORKDIR:
worker-<i>.pid (written by each worker once it has used CUDA), and go-<name>
(created by the checker to let a process go on).

  multiprocess_torch_client.py spawn WORKDIR PIN_WORKER   parent + 2 spawn workers on cuda;
                                                          worker PIN_WORKER (1, or -1 for none)
                                                          pins 16 MiB of host memory; each worker
                                                          waits for go-worker-<i>; the parent then
                                                          waits for go-parent
  multiprocess_torch_client.py ddp WORKDIR                a torchrun rank: gloo process group,
                                                          a cuda tensor, all_reduce, waits for go-ranks
"""
import os
import sys
import time


def wait_for(path, limit=300):
    deadline = time.time() + limit
    while not os.path.exists(path):
        if time.time() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.05)


def write_pid(workdir, name):
    tmp = os.path.join(workdir, f".{name}.pid")
    with open(tmp, "w") as f:
        f.write(str(os.getpid()))
    os.rename(tmp, os.path.join(workdir, f"{name}.pid"))


def worker(index, workdir, pin_worker):
    import torch
    x = torch.ones(1 << 20, device="cuda")  # device memory: fine
    y = (x * 2).sum()
    torch.cuda.synchronize()
    pinned = None
    if index == pin_worker:
        pinned = torch.empty(16 << 20, dtype=torch.uint8).pin_memory()  # 16 MiB pinned: a violation
    write_pid(workdir, f"worker-{index}")
    wait_for(os.path.join(workdir, f"go-worker-{index}"))
    del pinned, x, y


def spawn(workdir, pin_worker):
    import torch
    import torch.multiprocessing as mp
    base = torch.zeros(1 << 20, device="cuda")
    torch.cuda.synchronize()
    write_pid(workdir, "parent")
    context = mp.get_context("spawn")
    workers = [context.Process(target=worker, args=(i, workdir, pin_worker)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with open(os.path.join(workdir, "exitcodes"), "w") as f:
        f.write(" ".join(str(w.exitcode) for w in workers))
    wait_for(os.path.join(workdir, "go-parent"))
    del base


def ddp(workdir):
    import torch
    import torch.distributed as dist
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    x = torch.full((1 << 18,), float(rank + 1), device="cuda:0")  # both ranks on the one GPU
    total = x.sum().cpu()
    dist.all_reduce(total)  # gloo: on the CPU
    write_pid(workdir, f"rank-{rank}")
    wait_for(os.path.join(workdir, "go-ranks"))
    dist.barrier()
    dist.destroy_process_group()
    if rank == 0:
        with open(os.path.join(workdir, "all_reduce"), "w") as f:
            f.write(str(float(total)))


if __name__ == "__main__":
    if sys.argv[1] == "spawn":
        spawn(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "ddp":
        ddp(sys.argv[2])
    else:
        raise SystemExit(__doc__)
