"""What a person sees of the report files: each one's rendering as a phase of the progress, and at the
end the files written, with their sizes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rolescope.cli.say import say
from rolescope.pipeline import ScanProgress
from rolescope.report.document import DocumentHeader
from rolescope.report.model import AccountEntry, FindingEntry, ScanDocument
from rolescope.report.sinks import ScanSink


class PhasedSink:
    """A sink whose rendering (``finish``: all of the HTML, SARIF, CSV...; the end of the streamed JSON) is
    a phase of the progress, so a long one shows on the bar or in the log."""

    def __init__(self, sink: ScanSink, progress: ScanProgress, phase: str) -> None:
        self._sink = sink
        self._progress = progress
        self._phase = phase

    @property
    def name(self) -> str:
        return self._sink.name

    def begin(self, header: DocumentHeader) -> None:
        self._sink.begin(header)

    def account(self, entry: AccountEntry, encoded: bytes, findings: Sequence[FindingEntry] = (),
                finding_json: Sequence[bytes] = ()) -> None:
        self._sink.account(entry, encoded, findings, finding_json)

    def before_graph(self, document: ScanDocument) -> None:
        self._sink.before_graph(document)

    def finish(self, document: ScanDocument) -> None:
        self._progress.started(self._phase, None)
        self._sink.finish(document)
        self._progress.finished(self._phase, f"rendered for {self._sink.name}")

    def commit(self) -> None:
        self._sink.commit()

    def abort(self) -> None:
        self._sink.abort()


def human_size(size: int) -> str:
    """``512 B``, ``873.2 kB``, ``2.1 MB`` (powers of 1,000, as ``ls --si`` and browsers say)."""
    units = ("B", "kB", "MB", "GB", "TB")
    value, unit = float(size), 0
    while value >= 999.95 and unit < len(units) - 1:  # what would round to 1000.0 is said in the next unit
        value /= 1000
        unit += 1
    return f"{size} B" if unit == 0 else f"{value:.1f} {units[unit]}"


def say_written(paths: Sequence[Path]) -> None:
    """``rolescope: wrote reports/rolescope-report.html (2.1 MB)`` on standard error, a line per file."""
    for path in paths:
        try:
            size = f" ({human_size(path.stat().st_size)})"
        except OSError:  # written, then moved or removed by someone else: the name is still worth saying
            size = ""
        say(f"rolescope: wrote {path}{size}", err=True)
