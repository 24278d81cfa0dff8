"""The program's launch: a ``scan --from`` that will run workers starts their server before the imports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.factories import allow, gaad, role, trust

import rolescope.pipeline
from rolescope.cli.launch import FILE_SCAN_WORKER_MODULES, file_scan_jobs
from rolescope.workers import ordered_map

ROOT = "arn:aws:iam::999988887777:root"


@pytest.mark.parametrize(("args", "jobs"), [
    (["scan", "--from", "org/"], 0),
    (["scan", "--from=org/", "--format", "json"], 0),
    (["--config", "team.yaml", "scan", "--from", "org/"], 0),
    (["--no-config", "scan", "--from", "org/", "--jobs", "4"], 4),
    (["scan", "--from", "org/", "--jobs=1"], 1),
    (["scan", "-j", "3", "--from", "org/"], 3),
    (["scan", "-j2", "--from", "org/"], 2),
    (["scan", "--from", "org/", "--jobs", "many"], 0),  # click refuses it; nothing guessed from it
])
def test_a_file_scan_and_its_jobs_are_read_from_the_line(args: list[str], jobs: int, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for account in ("111122223333", "444455556666", "777788889999"):
        (tmp_path / "org" / account).mkdir(parents=True)
        (tmp_path / "org" / account / "gaad.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert file_scan_jobs(args) == jobs


def test_one_account_is_scanned_here(tmp_path: Path) -> None:
    """One account, with or without its organisation's listing beside it, runs in this process."""
    one = tmp_path / "one"
    (one / "nested").mkdir(parents=True)
    (one / "111122223333.json").write_text("{}")
    (one / "nested" / "organization.json").write_text("{}")
    (one / "notes.txt").write_text("")
    account = one / "111122223333.json"
    assert file_scan_jobs(["scan", "--from", str(account)]) is None
    assert file_scan_jobs(["scan", f"--from={one}", "--jobs", "2"]) is None
    (one / "nested" / "444455556666.json").write_text("{}")
    assert file_scan_jobs(["scan", "--from", str(one)]) == 0
    assert file_scan_jobs(["scan", "--from", str(account), "--from", str(one / "nested")]) == 0


@pytest.mark.parametrize("args", [
    [],
    ["scan"],  # a live scan
    ["scan", "-R", "arn:aws:iam::111122223333:role/audit"],
    ["scan", "--from", "org/", "--help"],
    ["demo", "--from", "org/"],
    ["--config", "scan", "graph", "--from", "org/"],  # "scan" is the configuration file here
    ["graph", "--", "scan", "--from", "org/"],
    ["scan", "--", "--from", "org/"],
])
def test_other_lines_start_nothing(args: list[str]) -> None:
    assert file_scan_jobs(args) is None


def test_the_modules_preloaded_are_those_the_scan_asks_its_workers_for(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Sequence[str]] = []

    def spy(factory: Any, items: Any, jobs: int, preload: Sequence[str] = ()) -> Any:
        asked.append(preload)
        return ordered_map(factory, items, jobs, preload)

    monkeypatch.setattr(rolescope.pipeline, "ordered_map", spy)
    for account in ("111122223333", "444455556666"):
        (tmp_path / f"{account}.json").write_text(json.dumps(gaad(role("audit", trust(allow(ROOT)), account))))
    rolescope.pipeline.scan_files([tmp_path], rolescope.pipeline.ScanSettings(), jobs=2)
    assert [tuple(p) for p in asked] == [FILE_SCAN_WORKER_MODULES]
