"""A scan's progress on standard error, phase by phase: collecting, scanning, the graph, each report."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from rolescope.textsafe import safe_text

# How long a scan may run before its phases are printed in a log: a quick one prints only its report.
QUIET_SECONDS = 2.0
# schedule(delay, action) runs ``action`` after ``delay`` seconds unless the function it returns is called first.
Schedule = Callable[[float, Callable[[], None]], Callable[[], None]]


def timer_schedule(delay: float, action: Callable[[], None]) -> Callable[[], None]:
    """:data:`Schedule` on a daemon thread, which never keeps the process alive."""
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer.cancel


class BarProgress:
    """A rich bar on a terminal; elsewhere (CI logs) one line per phase, saying what it did and how long
    it took — once the scan has run ``quiet_seconds``: a quick scan prints nothing but its report, a long
    one accounts for all its phases. A phase still running after ``quiet_seconds`` (rendering a large
    HTML report) says so when that time is up, so a log never sits silent on a long step.
    ``silent`` (``--quiet``) prints nothing."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic,
                 quiet_seconds: float | None = None, schedule: Schedule = timer_schedule, silent: bool = False
                 ) -> None:
        self._console = console
        self._clock = clock
        self._quiet_seconds = QUIET_SECONDS if quiet_seconds is None else quiet_seconds
        self._quiet_until = clock() + self._quiet_seconds
        self._schedule = schedule
        self._silent = silent
        self._lines = not silent and not console.is_terminal
        self._progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True,
                                  disable=silent or not console.is_terminal)
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._reminders: dict[str, Callable[[], None]] = {}
        self._held: list[str] = []
        self._lock = threading.Lock()  # the reminders print from a timer thread

    def __enter__(self) -> BarProgress:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for cancel in self._reminders.values():
            cancel()
        self._reminders.clear()
        self._progress.stop()

    def started(self, phase: str, total: int | None) -> None:
        self._tasks[phase] = self._progress.add_task(safe_text(phase), total=total)
        with self._lock:
            self._started[phase] = self._clock()
        if self._lines:
            self._reminders[phase] = self._schedule(self._quiet_seconds, lambda: self._still_running(phase))

    def advanced(self, phase: str) -> None:
        self._progress.advance(self._tasks[phase])

    def finished(self, phase: str, summary: str) -> None:
        self._progress.remove_task(self._tasks.pop(phase))
        cancel = self._reminders.pop(phase, None)
        if cancel is not None:
            cancel()
        now = self._clock()
        with self._lock:
            took = now - self._started.pop(phase)
            self._held.append(safe_text(f"rolescope: {phase}: {summary} in {took:.1f} s"))
            if now >= self._quiet_until:
                self._flush()

    def _still_running(self, phase: str) -> None:
        with self._lock:
            if phase not in self._started or next(reversed(self._started)) != phase:
                return  # done, or a phase within it (each report within "writing reports") is the news
            self._quiet_until = min(self._quiet_until, self._clock())  # the scan is long: account for it all
            self._held.append(safe_text(f"rolescope: {phase}..."))
            self._flush()

    def _flush(self) -> None:
        if self._silent:
            self._held.clear()
            return
        for line in self._held:
            if self._console.is_terminal:
                self._progress.console.print(line, markup=False, highlight=False, style="dim")
            else:
                self._console.file.write(line + "\n")
        self._console.file.flush()
        self._held.clear()
