"""Resident memory of processes while the benchmark works them: the figure behind "memory flat while streaming
10M rows" and "memory independent of file size" (issue 30), read from /proc (Linux)."""

import threading
import time
from contextlib import contextmanager
from pathlib import Path


def rss_mb(pid):
    """Resident set size of process `pid` in MB (10**6 bytes), from /proc/<pid>/status; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kilobytes * 1024 / 1e6


@contextmanager
def peak_rss(pids, interval=0.05):
    """Sample the resident memory of `pids` (an iterable, or a callable returning one, read again at each sample so
    gunicorn's workers are found once forked) every `interval` seconds while the block runs. Yields a dict that holds,
    after the block, {"start_mb": sum at the first sample, "peak_mb": highest sum, "end_mb": sum at the last}."""
    figures = {}
    done = threading.Event()

    def total():
        current = pids() if callable(pids) else pids
        return sum(mb for mb in (rss_mb(pid) for pid in current) if mb is not None)

    def sample():
        figures["start_mb"] = figures["peak_mb"] = figures["end_mb"] = total()
        while not done.wait(interval):
            figures["end_mb"] = total()
            figures["peak_mb"] = max(figures["peak_mb"], figures["end_mb"])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    while "start_mb" not in figures and sampler.is_alive():
        time.sleep(0.001)
    try:
        yield figures
    finally:
        done.set()
        sampler.join()
