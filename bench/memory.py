"""Peak resident memory of this process and every descendant (dbt runs as a subprocess of dagster-dbt).

Read straight from /proc, so the harness needs no extra dependency (psutil is only locked for Windows).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
PROC = Path("/proc")


def _stat_fields(pid: str) -> list[str] | None:
    try:
        text = (PROC / pid / "stat").read_text()
    except OSError:  # the process ended while we looked
        return None
    # the command name may hold spaces and parentheses; the fields after the last ')' are fixed
    return text.rsplit(")", 1)[1].split()


def tree_rss_bytes(root: int) -> int:
    """Sum of RSS over `root` and its descendants (shared pages count once per process: an upper bound)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields is None:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])  # ppid
        rss[pid] = int(fields[21]) * PAGE_SIZE  # rss in pages
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class PeakMemory:
    """Samples the process tree's RSS in a background thread while the `with` block runs."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        pid = os.getpid()
        while True:
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(pid))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(os.getpid()))
