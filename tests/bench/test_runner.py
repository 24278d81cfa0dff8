"""The benchmark runner: sizes of either shape, time and memory limits, memory of a whole process tree."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson
import pytest
from bench.measure import timed, tree_rss_bytes
from bench.offline import Options, Size, parse_sizes, size_set

from bench import run


def test_sizes_are_roles_with_accounts_optional_for_each_shape() -> None:
    assert parse_sizes("10000, 1000x1", ["mixed", "dense"]) == [
        Size("mixed", 10_000, 40), Size("mixed", 1_000, 1), Size("dense", 10_000, 10), Size("dense", 1_000, 1)]
    for bad in ("ten", "1000x", "0", "1000x0", "1000y3"):
        with pytest.raises(ValueError, match="size"):
            parse_sizes(bad, ["dense"])


def test_the_issue_sizes_are_there_and_the_mixed_ones_keep_their_cache_names() -> None:
    assert [(s.roles, s.accounts) for s in size_set("big", ["dense"])] == [
        (1_000, 1), (10_000, 10), (100_000, 50)]
    assert [(s.roles, s.accounts) for s in size_set("huge", ["dense"])] == [(1_000_000, 500)]
    assert Size("mixed", 10_000, 40).slug == "10000-a40"
    assert Size("dense", 10_000, 10).slug == "dense-10000-a10"


def test_command_line_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = run._parser()
    sizes, options = run._offline_plan(parser.parse_args(["--huge", "--shape", "dense", "--scan-args=--jobs 2"]),
                                       parser)
    assert sizes == [Size("dense", 1_000_000, 500)] and options.scan_args == ("--jobs", "2")
    sizes, _ = run._offline_plan(parser.parse_args([]), parser)
    assert {s.shape for s in sizes} == {"mixed", "dense"} and max(s.roles for s in sizes) == 10_000
    for wrong in (["--shape", "sparse"], ["--sizes", "lots"]):
        with pytest.raises(SystemExit):
            run._offline_plan(parser.parse_args(wrong), parser)


def test_the_time_limit_grows_with_the_largest_sizes() -> None:
    assert Options().timeout_for(Size("dense", 1_000, 1)) == 120
    assert Options().timeout_for(Size("dense", 1_000_000, 500)) == 1_000
    assert Options(timeout=5).timeout_for(Size("dense", 1_000_000, 500)) == 5


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def test_a_run_past_its_time_limit_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild"
    script = ("import subprocess, sys, time\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
              f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
              "time.sleep(120)\n")
    run = timed([sys.executable, "-c", script], timeout=2)
    assert run.timed_out and run.exit_code == -9
    grandchild = int(marker.read_text())
    deadline = time.monotonic() + 10
    while not _gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(grandchild)


def test_a_run_within_its_limits_is_not_marked() -> None:
    run = timed([sys.executable, "-c", "print('done')"], timeout=60, memory_limit_bytes=2**30)
    assert (run.timed_out, run.exit_code, run.stdout) == (False, 0, "done\n")


def test_the_memory_limit_turns_exhaustion_into_a_memory_error() -> None:
    run = timed([sys.executable, "-c", "b'x' * (2 * 2**30)"], memory_limit_bytes=512 * 2**20)
    assert run.exit_code == 1 and "MemoryError" in run.stderr_tail


def test_the_tree_sample_counts_workers_that_wait4_reports_one_at_a_time() -> None:
    script = ("import subprocess, sys, time\n"
              "child = subprocess.Popen([sys.executable, '-c', \"x = b'x' * (150 * 2**20); import time; "
              "time.sleep(1.5)\"])\n"
              "x = b'x' * (150 * 2**20)\n"
              "child.wait()\n")
    run = timed([sys.executable, "-c", script])
    assert run.exit_code == 0
    assert run.max_rss_mb < 250  # the larger of the two processes
    assert run.tree_rss_mb > 290  # both at once


def test_tree_rss_of_a_missing_process_is_zero() -> None:
    assert tree_rss_bytes(2**22 + 12345) == 0


def test_the_phases_time_the_hand_over_between_processes_and_the_table_shows_it() -> None:
    from bench.offline import render_offline

    from rolescope.cli.demo import sample_org_path

    phases = timed([sys.executable, str(Path(run.__file__).parent / "phases.py"), str(sample_org_path())])
    assert phases.exit_code == 0, phases.stderr_tail
    assert orjson.loads(phases.stdout)["seconds"]["handover"] > 0
    assert any("| hand-over |" in line for line in render_offline([]))
