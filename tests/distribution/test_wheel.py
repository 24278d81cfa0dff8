"""The wheel as users install it: built from the checkout, installed into a fresh virtual environment,
run from there with the bundled data (sample organisation, catalogue, HTML template) it must carry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from tests.process import ROOT
from tests.report.render import embedded_data

pytestmark = pytest.mark.slow
# What the build reads: a copy, so the build's own files (build/, *.egg-info) never land in the checkout.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "src")


def run(*argv: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # neither this checkout (PYTHONPATH) nor this environment may stand in for what the wheel installed
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LC_ALL": "C.UTF-8",
           **{k: v for k, v in os.environ.items() if k.startswith("PIP_") or k.lower().endswith("_proxy")}}
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    return done


def test_the_wheel_installs_and_runs_in_a_fresh_environment(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, source, cwd=tmp_path)
    [wheel] = wheels.glob("rolescope-*-py3-none-any.whl")

    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    run(fresh / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    where = run(fresh / "bin" / "python", "-c", "import rolescope; print(rolescope.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(fresh))  # the installed wheel, not the checkout

    demo = run(fresh / "bin" / "rolescope", "demo", "--format", "console,html", "--output-dir", "reports",
               cwd=tmp_path)
    assert "45 roles in 6 accounts" in demo.stdout  # the sample organisation came with the wheel
    page = (tmp_path / "reports" / "rolescope-report.html").read_text()
    # the page's template, its script and the vendored graph library came with it too
    assert page.startswith("<!DOCTYPE html>") and "cytoscape" in page
    assert "northwind-prod" in json.dumps(embedded_data(page)["accounts"])
    version = run(fresh / "bin" / "python", "-m", "rolescope", "--version", cwd=tmp_path)
    assert version.stdout.strip().startswith("rolescope, version ")
