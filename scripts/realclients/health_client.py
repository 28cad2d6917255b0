"""The status of the in-process /health of a client run under vram-only-run
--health (the address is in VRAM_ONLY_HEALTH), for the client scripts."""
import os
import urllib.error
import urllib.request


def health_status():
    """The HTTP status of GET /health, or None without a server."""
    address = os.environ.get("VRAM_ONLY_HEALTH")
    if not address:
        return None
    try:
        with urllib.request.urlopen(f"http://{address}/health", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None
