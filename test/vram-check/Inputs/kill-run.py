"""kill-run.py SIGNAL TMPDIR -- COMMAND...

Runs COMMAND (vram-check) with TMPDIR as its temporary directory, waits
until it has started a per-side child process, kills COMMAND alone with
SIGNAL (TERM, INT or KILL), then waits up to 20 s for its children to end
and its temporary files to go. Prints what is left and exits 1 if anything
is, else prints "nothing left"."""
import os
import signal
import subprocess
import sys
import time

signame, tmpdir = sys.argv[1:3]
command = sys.argv[sys.argv.index("--") + 1:]
marker = ("--internal-run-job=" + tmpdir).encode()


def children():
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as cmdline:
                if marker in cmdline.read():
                    with open("/proc/%s/stat" % pid) as stat:
                        # A zombie that its (dead) parent's reaper has not
                        # collected yet is not running.
                        if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                            found.append(int(pid))
        except OSError:
            pass
    return found


def files():
    return sorted(os.path.relpath(os.path.join(root, name), tmpdir)
                  for root, dirs, names in os.walk(tmpdir)
                  for name in names + dirs)


env = dict(os.environ, TMPDIR=tmpdir)
run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 120
while not children():
    if run.poll() is not None or time.monotonic() > deadline:
        sys.exit("kill-run: no child process was seen")
    time.sleep(0.01)
run.send_signal(getattr(signal, "SIG" + signame))
run.wait()
deadline = time.monotonic() + 20
while (children() or files()) and time.monotonic() < deadline:
    time.sleep(0.1)
left = children()
if left or files():
    print("child processes left: %d" % len(left))
    print("files left: %s" % " ".join(files()))
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    sys.exit(1)
print("nothing left")
