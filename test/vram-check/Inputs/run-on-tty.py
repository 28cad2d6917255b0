"""run-on-tty.py <command> [args...]: runs the command with stderr on a
pseudo-terminal and prints what it wrote there (escape sequences removed)."""
import os
import pty
import re
import subprocess
import sys

main, secondary = pty.openpty()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=secondary)
os.close(secondary)
chunks = []
while True:
    try:
        data = os.read(main, 4096)
    except OSError:
        break
    if not data:
        break
    chunks.append(data)
proc.wait()
text = b"".join(chunks).decode("utf-8", "replace")
text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text).replace("\r", "\n")
sys.stdout.write(text)
