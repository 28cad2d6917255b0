"""Multi-process real clients: one /health per process group (called by
run_realclients.py with --only mp; scripts/gpu-realclients runs it).

  mp-spawn-pin   a PyTorch parent on cuda with two torch.multiprocessing spawn
                 workers on cuda, worker 1 pinning 16 MiB of host memory: the
                 pod's /health answers 503 naming worker 1's pid while it runs
                 and after it exited; the other processes are named healthy;
                 no process fails to serve (they stand by for the port)
  mp-spawn-kill  the same without pinning, worker 1 killed with SIGKILL: the
                 group stays healthy (200), the worker is "gone" in /health
                 and in /metrics
  mp-torchrun    torchrun --nproc_per_node=2 (gloo) with both ranks on the one
                 GPU: /health 200 listing both ranks, all_reduce right
  mp-llama-server  llama-server (one process), unchanged: a completion, and
                 /health 200 with one member

Each check prints "PASS name: detail" or "FAIL name: detail" (run_realclients.Checks).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from run_realclients import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLIENT = os.path.join(HERE, "multiprocess_torch_client.py")
TORCH_POLICY = os.path.join(HERE, "torch-scalar-readback-policy.json")
LLAMA_POLICY = os.path.join(HERE, "llama-pinned-policy.json")


def http(url, data=None, timeout=10):
    """(status, body text); status None when nothing answers."""
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def health(address):
    status, body = http(f"http://{address}/health")
    try:
        return status, json.loads(body) if body else {}
    except ValueError:
        return status, {"unparsable": body}


def wait_files(paths, process, limit=240):
    deadline = time.time() + limit
    while time.time() < deadline:
        if all(os.path.exists(p) for p in paths):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.1)
    return False


def read_pid(workdir, name):
    with open(os.path.join(workdir, f"{name}.pid")) as f:
        return int(f.read())


def touch(workdir, name):
    open(os.path.join(workdir, name), "w").close()


def promtool():
    return shutil.which("promtool") or next(
        (p for p in [os.path.join(ROOT, ".cache", "promtool", "promtool")] if os.access(p, os.X_OK)), None)


def violations_of(body, pid):
    return [v for v in body.get("violations", []) if v.get("pid") == pid]


def member(body, pid):
    return next((m for m in body.get("members", []) if m.get("pid") == pid), None)


class Scenario:
    """One vram-only-run --health run with a work directory and logs under out/."""

    def __init__(self, runner, name, vram, command):
        self.name = name
        self.workdir = os.path.join(runner.args.out, name)
        shutil.rmtree(self.workdir, ignore_errors=True)
        os.makedirs(self.workdir)
        self.address = f"127.0.0.1:{free_port()}"
        report = os.path.join(runner.args.out, f"{name}-%p.report.json")
        full = [runner.run_tool, "--health", self.address, "--report", report] + vram + ["--"] + \
            [word.replace("{workdir}", self.workdir) for word in command]
        self.stdout = open(os.path.join(runner.args.out, f"{name}.stdout"), "w")
        self.stderr_path = os.path.join(runner.args.out, f"{name}.stderr")
        self.stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(full, stdout=self.stdout, stderr=self.stderr)

    def finish(self, timeout=120):
        try:
            rc = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            rc = self.process.wait()
        self.stdout.close()
        self.stderr.close()
        return rc

    def err(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def metrics(self):
        return http(f"http://{self.address}/metrics")[1]


def check_metrics_with_promtool(checks, name, text):
    tool = promtool()
    if tool is None:
        print(f"SKIP {name}: promtool not found (scripts/lib/common.sh fetch_promtool)", flush=True)
        return
    lint = subprocess.run([tool, "check", "metrics"], input=text, capture_output=True, text=True)
    checks.check(f"{name}: /metrics passes promtool check metrics", lint.returncode == 0 and not lint.stdout.strip()
                 and not lint.stderr.strip(), (lint.stdout + lint.stderr)[-300:])


def start_spawn(runner, checks, name, pin_worker):
    """The spawn client under vram-only-run, once parent and workers ran on cuda; None (a FAIL) otherwise."""
    s = Scenario(runner, name, ["--policy", TORCH_POLICY],
                 [sys.executable, CLIENT, "spawn", "{workdir}", str(pin_worker)])
    files = [os.path.join(s.workdir, f) for f in ("parent.pid", "worker-0.pid", "worker-1.pid")]
    if not checks.check(f"{name}: parent and both spawn workers ran on cuda", wait_files(files, s.process),
                        s.err()[-300:]):
        s.process.kill()
        s.finish()
        return None
    return s


def spawn_pin(runner, checks):
    name = "mp-spawn-pin"
    s = start_spawn(runner, checks, name, pin_worker=1)
    if s is None:
        return
    parent, w0, w1 = (read_pid(s.workdir, n) for n in ("parent", "worker-0", "worker-1"))
    time.sleep(1.5)  # at least one publish interval
    status, body = health(s.address)
    named = violations_of(body, w1)
    checks.check(f"{name}: /health 503 naming the pinning worker's pid while it runs",
                 status == 503 and named and named[0]["process"] == "live" and named[0]["bytes"] >= 16 << 20,
                 f"status={status} worker1={w1} violations={[(v['pid'], v['label'][:60]) for v in body.get('violations', [])]}")
    checks.check(f"{name}: the parent and the other worker are members, healthy",
                 all(member(body, p) and member(body, p)["healthy"] for p in (parent, w0)) and not
                 violations_of(body, parent) and not violations_of(body, w0),
                 f"members={[(m['pid'], m['process'], m['healthy']) for m in body.get('members', [])]}")
    touch(s.workdir, "go-worker-0")
    touch(s.workdir, "go-worker-1")
    wait_files([os.path.join(s.workdir, "exitcodes")], s.process, 120)
    time.sleep(0.5)
    status, body = health(s.address)
    named = violations_of(body, w1)
    checks.check(f"{name}: /health still 503 naming the worker's pid after it exited",
                 status == 503 and named and named[0]["process"] == "exited",
                 f"status={status} worker1={named[:1]}")
    metrics = s.metrics()
    checks.check(f"{name}: /metrics counts the exited workers", 'vram_only_group_members{state="exited"} 2' in metrics
                 and "vram_only_group_healthy 0" in metrics,
                 " ".join(line for line in metrics.splitlines() if line.startswith("vram_only_group_members")))
    check_metrics_with_promtool(checks, name, metrics)
    touch(s.workdir, "go-parent")
    rc = s.finish()
    err = s.err()
    checks.check(f"{name}: exits 0, no process failed to serve (the others stood by)",
                 rc == 0 and "cannot serve /health" not in err and "Address already in use" not in err,
                 f"rc={rc} standing_by={err.count('standing by')}")


def spawn_kill(runner, checks):
    name = "mp-spawn-kill"
    s = start_spawn(runner, checks, name, pin_worker=-1)
    if s is None:
        return
    w1 = read_pid(s.workdir, "worker-1")
    time.sleep(1.5)
    os.kill(w1, signal.SIGKILL)
    touch(s.workdir, "go-worker-0")
    wait_files([os.path.join(s.workdir, "exitcodes")], s.process, 120)
    with open(os.path.join(s.workdir, "exitcodes")) as f:
        exitcodes = f.read().split()
    status, body = health(s.address)
    m = member(body, w1)
    checks.check(f"{name}: a worker killed with SIGKILL leaves the group healthy",
                 status == 200 and exitcodes == ["0", "-9"] and m is not None and m["process"] == "gone",
                 f"status={status} exitcodes={exitcodes} killed={m}")
    metrics = s.metrics()
    checks.check(f"{name}: /metrics reports the member gone", 'vram_only_group_members{state="gone"} 1' in metrics and
                 "vram_only_group_healthy 1" in metrics,
                 " ".join(line for line in metrics.splitlines() if line.startswith("vram_only_group_members")))
    touch(s.workdir, "go-parent")
    rc = s.finish()
    checks.check(f"{name}: the parent exits 0", rc == 0, f"rc={rc}")


def torchrun(runner, checks):
    name = "mp-torchrun"
    launcher = shutil.which("torchrun")
    command = [launcher] if launcher else [sys.executable, "-m", "torch.distributed.run"]
    s = Scenario(runner, name, ["--policy", TORCH_POLICY],
                 command + ["--standalone", "--nproc_per_node=2", CLIENT, "ddp", "{workdir}"])
    files = [os.path.join(s.workdir, f) for f in ("rank-0.pid", "rank-1.pid")]
    if not checks.check(f"{name}: two gloo ranks on the one GPU started", wait_files(files, s.process),
                        s.err()[-300:]):
        s.process.kill()
        s.finish()
        return
    ranks = {read_pid(s.workdir, "rank-0"): 0, read_pid(s.workdir, "rank-1"): 1}
    time.sleep(1.5)
    status, body = health(s.address)
    seen = {m["pid"]: m["rank"] for m in body.get("members", []) if m["pid"] in ranks and m["process"] == "live"}
    checks.check(f"{name}: /health 200 listing both ranks as members", status == 200 and seen == ranks,
                 f"status={status} ranks={ranks} members={[(m['pid'], m['rank'], m['process']) for m in body.get('members', [])]}")
    touch(s.workdir, "go-ranks")
    rc = s.finish(180)
    total = open(os.path.join(s.workdir, "all_reduce")).read() if os.path.exists(
        os.path.join(s.workdir, "all_reduce")) else None
    checks.check(f"{name}: exits 0 with the all_reduce right", rc == 0 and total == str(3.0 * (1 << 18)),
                 f"rc={rc} all_reduce={total}")


def llama_server(runner, checks, model):
    name = "mp-llama-server"
    binary = os.path.join(runner.args.llama_bin, "llama-server") if runner.args.llama_bin else ""
    if not os.access(binary, os.X_OK):
        checks.check(f"{name}: llama-server built", False, f"{binary or '--llama-bin not given'} missing")
        return
    if not os.path.exists(model):
        r = runner.run("make-tiny-qwen2", [os.path.join(runner.args.build, "bin", "make-tiny-qwen2"), model])
        if not checks.check(f"{name}: tiny qwen2 GGUF written", r["rc"] == 0, r["err"][-300:]):
            return
    port = free_port()
    s = Scenario(runner, name, ["--policy", LLAMA_POLICY],
                 [binary, "-m", model, "-ngl", "99", "--host", "127.0.0.1", "--port", str(port), "-c", "512"])
    ready = False
    deadline = time.time() + 180
    while time.time() < deadline and s.process.poll() is None and not ready:
        ready = http(f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200
        time.sleep(0.2)
    if not checks.check(f"{name}: llama-server started under vram-only-run", ready, s.err()[-300:]):
        s.process.kill()
        s.finish()
        return
    status, text = http(f"http://127.0.0.1:{port}/completion",
                        json.dumps({"prompt": "Hello", "n_predict": 8}).encode(), timeout=60)
    completion = json.loads(text) if status == 200 else {}
    checks.check(f"{name}: completes a prompt", status == 200 and "content" in completion,
                 f"status={status} tokens={completion.get('tokens_predicted')}")
    time.sleep(1.5)
    status, body = health(s.address)
    checks.check(f"{name}: /health 200 with the one process as the group's only member",
                 status == 200 and len(body.get("members", [])) == 1 and body["members"][0]["pid"] == s.process.pid,
                 f"status={status} members={[(m['pid'], m['process']) for m in body.get('members', [])]}")
    check_metrics_with_promtool(checks, name, s.metrics())
    s.process.send_signal(signal.SIGTERM)
    rc = s.finish(60)
    checks.check(f"{name}: stops on SIGTERM (vram-only-run execs: the signal reaches llama-server)",
                 rc in (0, -signal.SIGTERM, 128 + signal.SIGTERM), f"rc={rc}")


def run_checks(runner, checks, model):
    for scenario in (spawn_pin, spawn_kill, torchrun):
        try:
            scenario(runner, checks)
        except Exception as error:  # a broken client is a failure, not a crash
            checks.check(f"mp: {scenario.__name__} ran", False, repr(error))
    try:
        llama_server(runner, checks, model)
    except Exception as error:
        checks.check("mp: llama_server ran", False, repr(error))
