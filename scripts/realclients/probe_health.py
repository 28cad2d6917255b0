#!/usr/bin/env python3
"""Polls http://ADDRESS/health every 50 ms while process PID lives; prints
one JSON line: the status codes seen (in order, runs collapsed) and the
last 503 body, so that a short-lived engine's health can be asserted."""
import json
import os
import sys
import time
import urllib.error
import urllib.request


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie is not alive for us.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def main():
    address, pid = sys.argv[1], int(sys.argv[2])
    seen, last_503 = [], None
    deadline = time.time() + 600
    while alive(pid) and time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://{address}/health", timeout=2) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
            if status == 503:
                last_503 = e.read().decode()
        except OSError:
            status = None
        if status is not None and (not seen or seen[-1] != status):
            seen.append(status)
        time.sleep(0.05)
    print(json.dumps({"statuses": seen, "last_503": json.loads(last_503) if last_503 else None}))


if __name__ == "__main__":
    main()
