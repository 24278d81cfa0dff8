"""Reports that cannot be written, readers that go away, scans interrupted while replacing reports:
one line that names the user's file, an honest exit code, and nothing half-written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from tests.cli.runner import run_main
from tests.process import rolescope_argv, under_test_env

from rolescope import atomic_write

FULL = Path("/dev/full")


@pytest.fixture
def full_device(tmp_path: Path) -> Path:
    """A device that is always full: as root, a node of its own (a regression would replace it, not the
    system's /dev/full); otherwise /dev/full, which only root could replace."""
    if not FULL.exists():
        pytest.skip("needs /dev/full (Linux)")
    if os.geteuid() != 0:
        return FULL
    own = tmp_path / "full"
    os.mknod(own, stat.S_IFCHR | 0o666, FULL.stat().st_rdev)
    return own


def test_a_full_device_is_one_line_and_stays_a_device(org_dir: Path, full_device: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = run_main(monkeypatch, "scan", "--from", str(org_dir), "--format", "json", "-o", str(full_device))
    assert code == 2
    assert capsys.readouterr().err == f"rolescope: error: {full_device}: cannot write: No space left on device\n"
    # a rename over it would put a regular file in the device's place (as root, it replaced /dev/full)
    assert stat.S_ISCHR(full_device.stat().st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_names_the_report_not_a_temporary_file(
        org_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o555)
    code = run_main(monkeypatch, "scan", "--from", str(org_dir), "--format", "json", "-o", str(locked / "out.json"))
    assert code == 2
    assert capsys.readouterr().err == f"rolescope: error: {locked / 'out.json'}: cannot write: Permission denied\n"


def test_a_directory_in_the_way_names_the_report(org_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").write_text("a file where the report's directory should be")
    target = tmp_path / "taken" / "out.json"
    assert run_main(monkeypatch, "scan", "--from", str(org_dir), "--format", "json", "-o", str(target)) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"rolescope: error: {target}: cannot write: ") and ".tmp" not in error


def test_an_interrupted_commit_says_which_reports_were_replaced(
        org_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    for name in ("rolescope-report.json", "rolescope-report.sarif"):
        (out / name).write_text("previous")
    renames = []
    real_replace = os.replace

    def interrupted_second(source: str, target: Path) -> None:
        renames.append(target)
        if len(renames) == 2:
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(atomic_write.os, "replace", interrupted_second)
    code = run_main(monkeypatch, "scan", "--from", str(org_dir), "--format", "json,sarif", "--output-dir", str(out))
    assert code == 130
    # a loaded machine may have printed phase lines before (after 2 s off a terminal): the end is what counts
    assert capsys.readouterr().err.endswith(
        "\nrolescope: interrupted\n"
        f"rolescope: reports replaced: {out / 'rolescope-report.json'}; "
        f"left as they were: {out / 'rolescope-report.sarif'}\n")
    assert json.loads((out / "rolescope-report.json").read_text())["schema"] == "rolescope.scan/v2"
    assert (out / "rolescope-report.sarif").read_text() == "previous"
    assert sorted(p.name for p in out.iterdir()) == ["rolescope-report.json", "rolescope-report.sarif"]


@pytest.mark.process
def test_a_closed_pipe_exits_quietly_and_not_as_findings(org_dir: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: `| head -0`, deterministically
    try:
        done = subprocess.run(rolescope_argv("scan", "--from", str(org_dir)), stdout=write_end, env=under_test_env(),
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.process
def test_the_json_report_to_a_closed_pipe_exits_quietly(org_dir: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(rolescope_argv("scan", "--from", str(org_dir), "--format", "json", "--fail-on", "low"),
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
                              env=under_test_env())
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")
