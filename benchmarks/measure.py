"""Run one command as its own process and measure wall time and peak memory.

Peak memory is reported two ways:
- `max_rss_kb`: the largest resident set of the process or any process it
  waited for, from `os.wait4` (exact, but one process at a time);
- `tree_rss_kb`: the largest sum of the resident sets of the process and all
  its descendants, sampled every few milliseconds from /proc (what a
  multi-process compile really holds at once; sampling can miss short peaks,
  so the report uses the larger of the two).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SAMPLE_SECONDS = 0.005
# Looking for child processes reads every /proc/<pid>/stat; do it less often
# so the sampler does not steal much CPU from what it measures.
CHILD_SCAN_EVERY = 10


@dataclass
class Measurement:
    """One process run: what ran, how long, how much memory, how it ended."""

    label: str
    seconds: float
    max_rss_kb: int
    tree_rss_kb: int
    returncode: int
    stdout_tail: str = ""
    stderr_tail: str = ""

    @property
    def peak_mb(self) -> float:
        return max(self.max_rss_kb, self.tree_rss_kb) / 1024

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["peak_mb"] = round(self.peak_mb, 1)
        d["seconds"] = round(self.seconds, 4)
        return d


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry))
    return out


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        kids = _children(todo.pop())
        out.extend(kids)
        todo.extend(kids)
    return out


def run(label: str, argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 3600) -> Measurement:
    """Run `argv` in `cwd` and measure it."""
    peak = [0]
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def sample() -> None:
        children: list[int] = []
        tick = 0
        while not done.is_set():
            if tick % CHILD_SCAN_EVERY == 0:
                children = _descendants(proc.pid)
            tick += 1
            peak[0] = max(peak[0], _rss_kb(proc.pid) + sum(_rss_kb(c) for c in children))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for r in readers:
        r.start()
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.001)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = b"".join(out_chunks).decode("utf-8", "replace")
    stderr = b"".join(err_chunks).decode("utf-8", "replace")
    return Measurement(label, seconds, usage.ru_maxrss, peak[0], proc.returncode, stdout[-400:], stderr[-2000:])
