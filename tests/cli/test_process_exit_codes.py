"""Exit codes as a shell sees them: ``rolescope`` run as a process, not through click's test runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.process import SOURCE, rolescope_argv, under_test_env

pytestmark = pytest.mark.process


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(rolescope_argv(*args), capture_output=True, text=True, cwd=cwd, timeout=120,
                          env=under_test_env())


def test_findings_at_fail_on_exit_1(tmp_path: Path) -> None:
    assert run("demo", "--fail-on", "low", "--format", "json", "--output", str(tmp_path / "r.json"),
               cwd=tmp_path).returncode == 1
    assert run("demo", "--format", "json", "--output", str(tmp_path / "r.json"), cwd=tmp_path).returncode == 0


def test_bad_input_exits_2_in_one_line(tmp_path: Path) -> None:
    result = run("scan", "--from", str(tmp_path / "missing.json"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_a_process_runs_the_code_under_test(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "rolescope"  # an installed copy that must not be the one tested
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise SystemExit('the installed copy ran')\n")
    env = under_test_env({**os.environ, "PYTHONPATH": str(shadow.parent)})
    done = subprocess.run([sys.executable, "-c", "import rolescope; print(rolescope.__file__)"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0 and Path(done.stdout.strip()).is_relative_to(SOURCE)
