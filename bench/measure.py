"""Run one benchmark process and measure it: wall and CPU time, peak memory, a time limit.

Peak memory is reported two ways. ``ru_maxrss`` from ``wait4`` is exact for one process, but for a
process that forks workers it is the largest *single* process of the tree, not what the tree holds
at once; so a thread also samples the resident set of the whole tree (the process and its
descendants, from ``/proc``) every :data:`SAMPLE_SECONDS` and keeps the largest sum. Sampling misses
peaks shorter than the interval and counts pages shared after ``fork`` once per process.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

SAMPLE_SECONDS = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True, slots=True)
class Run:
    """One process run: wall and CPU seconds, peak memory, exit code, whether the time limit stopped it."""

    wall: float
    cpu: float
    max_rss_mb: float  # ru_maxrss of the process (or its largest reaped descendant)
    exit_code: int
    stdout: str = ""
    timed_out: bool = False
    tree_rss_mb: float = 0.0  # largest sampled sum over the process tree
    stderr_tail: str = ""


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except (OSError, ValueError):
        pass
    return found


def tree_rss_bytes(pid: int) -> int:
    """The resident memory of ``pid`` and all its descendants now, in bytes (0 where ``/proc`` cannot tell)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            continue
        pending.extend(_children(current))
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, tree_rss_bytes(self.pid))


def timed(command: list[str], *, timeout: float | None = None, memory_limit_bytes: int | None = None,
          env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to completion or to ``timeout``; its own resource usage, not its siblings'.

    Args:
        command: the program and its arguments.
        timeout: seconds after which the process and everything it started are killed (``None``: no limit).
        memory_limit_bytes: an address-space limit (``RLIMIT_AS``) for the process, so a run that would
            exhaust the shared machine fails with MemoryError instead.
        env: the environment (default: this one).

    Returns:
        The measurements; ``timed_out`` when the time limit stopped it.
    """
    killed = threading.Event()

    def kill(pid: int) -> None:
        killed.set()
        # The child leads its own session: this reaches its workers too, and nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, start_new_session=True)
        if memory_limit_bytes:
            # Set from here rather than in a preexec_fn (unsafe beside this module's threads); the
            # interpreter it starts has not allocated much yet, and workers it forks inherit the limit.
            resource.prlimit(process.pid, resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
        sampler = _Sampler(process.pid)
        sampler.start()
        timer = threading.Timer(timeout, kill, (process.pid,)) if timeout else None
        if timer is not None:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if timer is not None:
            timer.cancel()
        sampler.stopped.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")[-2000:]
    # ru_maxrss is in kilobytes on Linux.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, stdout,
               killed.is_set(), sampler.peak / 2**20, stderr)


def summary(runs: list[Run]) -> dict[str, float]:
    """Minimum and median of wall and CPU time over ``runs``, and the largest peak memory."""
    walls = [r.wall for r in runs]
    cpus = [r.cpu for r in runs]
    return {
        "wall_min": min(walls), "wall_median": statistics.median(walls),
        "cpu_min": min(cpus), "cpu_median": statistics.median(cpus),
        "max_rss_mb": max(r.max_rss_mb for r in runs), "tree_rss_mb": max(r.tree_rss_mb for r in runs),
        "runs": len(runs),
    }

