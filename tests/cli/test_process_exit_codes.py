"""Exit codes as a shell sees them: ``rolescope`` run as a process, not through click's test runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rolescope", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_findings_at_fail_on_exit_1(tmp_path: Path) -> None:
    assert run("demo", "--fail-on", "low", "--format", "json", "--output", str(tmp_path / "r.json"),
               cwd=tmp_path).returncode == 1
    assert run("demo", "--format", "json", "--output", str(tmp_path / "r.json"), cwd=tmp_path).returncode == 0


def test_bad_input_exits_2_in_one_line(tmp_path: Path) -> None:
    result = run("scan", "--from", str(tmp_path / "missing.json"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
