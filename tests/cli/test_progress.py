"""Progress in a CI log: a long phase says it is running, each report's rendering is a phase, and the
files written are listed with their sizes."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from rolescope.cli import progress
from rolescope.cli.main import cli
from rolescope.cli.progress import BarProgress
from rolescope.cli.report_files import PhasedSink, human_size
from rolescope.report.document import DocumentHeader
from rolescope.report.model import AccountEntry, FindingEntry, ScanDocument


class Timers:
    """A schedule whose actions run when the test says (the time is up), not on a thread."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[[], None]]] = []
        self.cancelled = 0

    def __call__(self, delay: float, action: Callable[[], None]) -> Callable[[], None]:
        entry = (delay, action)
        self.pending.append(entry)

        def cancel() -> None:
            if entry in self.pending:
                self.pending.remove(entry)
                self.cancelled += 1
        return cancel

    def fire_all(self) -> None:
        fired, self.pending = self.pending, []
        for _, action in fired:
            action()


def _log_bar(timers: Timers, now: list[float], silent: bool = False) -> tuple[BarProgress, io.StringIO]:
    err = io.StringIO()
    bar = BarProgress(Console(file=err, force_terminal=False), clock=lambda: now[0], quiet_seconds=2,
                      schedule=timers, silent=silent)
    return bar, err


def test_a_phase_still_running_when_the_quiet_time_is_up_says_so_then_what_it_did() -> None:
    timers, now = Timers(), [0.0]
    bar, err = _log_bar(timers, now)
    with bar:
        bar.started("scanning accounts", 1)
        now[0] = 0.5
        bar.finished("scanning accounts", "1 account")
        bar.started("writing reports", None)
        bar.started("html report", None)
        assert [delay for delay, _ in timers.pending] == [2, 2]
        now[0] = 2.5
        timers.fire_all()  # the outer phase's reminder first: the report within it is what is running
        assert err.getvalue().splitlines() == ["rolescope: scanning accounts: 1 account in 0.5 s",
                                               "rolescope: html report..."]
        now[0] = 6.0
        bar.finished("html report", "rendered for r.html")
        assert err.getvalue().splitlines()[-1] == "rolescope: html report: rendered for r.html in 5.5 s"
        bar.finished("writing reports", "1 report")
    assert not timers.pending and timers.cancelled == 1  # the scan's own, which ended before its time was up


def test_a_quick_phase_is_never_announced() -> None:
    timers, now = Timers(), [0.0]
    bar, err = _log_bar(timers, now)
    with bar:
        bar.started("building the trust graph", None)
        now[0] = 0.2
        bar.finished("building the trust graph", "3 nodes")
        timers.fire_all()
    assert err.getvalue() == "" and timers.cancelled == 1


def test_silent_progress_prints_nothing_however_long() -> None:
    timers, now = Timers(), [0.0]
    bar, err = _log_bar(timers, now, silent=True)
    with bar:
        bar.started("scanning accounts", 1)
        now[0] = 30.0
        timers.fire_all()
        bar.finished("scanning accounts", "1 account")
    assert err.getvalue() == "" and not timers.pending


class RecordingSink:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    @property
    def name(self) -> str:
        return "out/r.html"

    def begin(self, header: DocumentHeader) -> None:
        self.calls.append("begin")

    def account(self, entry: AccountEntry, encoded: bytes, findings: Sequence[FindingEntry] = (),
                finding_json: Sequence[bytes] = ()) -> None:
        del entry, encoded, findings, finding_json
        self.calls.append("account")

    def before_graph(self, document: ScanDocument) -> None:
        self.calls.append("before_graph")

    def finish(self, document: ScanDocument) -> None:
        self.calls.append("finish")

    def commit(self) -> None:
        self.calls.append("commit")

    def abort(self) -> None:
        self.calls.append("abort")


class RecordingProgress:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def started(self, phase: str, total: int | None) -> None:
        self.calls.append(f"started {phase}")

    def advanced(self, phase: str) -> None:
        self.calls.append(f"advanced {phase}")

    def finished(self, phase: str, summary: str) -> None:
        self.calls.append(f"finished {phase}: {summary}")


def test_a_reports_rendering_is_a_phase() -> None:
    calls: list[str] = []
    sink = PhasedSink(RecordingSink(calls), RecordingProgress(calls), "html report")
    assert sink.name == "out/r.html"
    sink.begin(None)  # type: ignore[arg-type]  # passed through untouched
    sink.account(None, b"")  # type: ignore[arg-type]
    sink.before_graph(None)  # type: ignore[arg-type]
    sink.finish(None)  # type: ignore[arg-type]
    sink.commit()
    sink.abort()
    assert calls == ["begin", "account", "before_graph", "started html report", "finish",
                     "finished html report: rendered for out/r.html", "commit", "abort"]


def test_sizes_are_said_as_people_read_them() -> None:
    assert [human_size(n) for n in (0, 999, 1000, 873_240, 999_960, 2_100_000, 3 * 10**9)] == [
        "0 B", "999 B", "1.0 kB", "873.2 kB", "1.0 MB", "2.1 MB", "3.0 GB"]


def test_the_files_written_are_listed_at_the_end(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--format", "console,json,sarif", "--output-dir", str(tmp_path)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    written = [line for line in result.stderr.splitlines() if line.startswith("rolescope: wrote ")]
    assert written == [f"rolescope: wrote {tmp_path / f'rolescope-report.{ext}'} "
                       f"({human_size((tmp_path / f'rolescope-report.{ext}').stat().st_size)})"
                       for ext in ("json", "sarif")]
    assert "45 roles in 6 accounts" in result.stdout  # the console report still goes to stdout


@pytest.mark.parametrize("command", [("demo", "--format", "html", "-o", "{out}/r.html"),
                                     ("graph", "--from", "{org}", "-o", "{out}/g.dot"),
                                     ("compliance", "--from", "{org}", "--framework", "all")])
def test_every_long_phase_is_in_the_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, org_dir: Path,
                                        command: tuple[str, ...]) -> None:
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)  # every scan is long now
    args = [a.format(out=tmp_path, org=org_dir) for a in command]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "rolescope: scanning accounts: " in result.stderr
    if command[0] == "demo":
        assert f"rolescope: html report: rendered for {tmp_path / 'r.html'} in " in result.stderr
    if command[0] == "graph":
        assert "rolescope: building the trust graph: " in result.stderr
