"""change-during-parse.py FIFO FILE NEW_TEXT -- COMMAND...

Runs COMMAND, whose source includes FIFO (created here). Once the parse has
opened FIFO (so it has read FILE), replaces FILE by a copy of NEW_TEXT, as a
second `vram-check --fix` run or an editor would (a new file renamed over
it), then lets the parse go on. Prints the command's output and exits with
its status."""
import errno
import os
import shutil
import subprocess
import sys
import time

fifo, target, new_text = sys.argv[1:4]
command = sys.argv[sys.argv.index("--") + 1:]
os.mkfifo(fifo)
run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
deadline = time.monotonic() + 120
while True:
    try:
        # Opening a FIFO for writing without blocking succeeds only once a
        # reader (the parse) has it open.
        writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        break
    except OSError as error:
        if error.errno != errno.ENXIO:
            raise
    if run.poll() is not None or time.monotonic() > deadline:
        run.kill()
        sys.exit("change-during-parse: the command never opened " + fifo)
    time.sleep(0.01)
shutil.copy(new_text, target + ".other")
os.replace(target + ".other", target)
os.close(writer)  # end of the header: the parse goes on
out, err = run.communicate(timeout=300)
sys.stdout.write(out)
sys.stderr.write(err)
sys.exit(run.returncode)
