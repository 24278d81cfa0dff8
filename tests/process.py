"""Running rolescope as a process: always the code under test, whatever else the interpreter has installed.

``python -m rolescope`` imports whichever ``rolescope`` the interpreter finds first: a wheel installed
in the environment would be tested instead of this checkout. Every test that starts a process puts
this checkout's ``src`` first on ``PYTHONPATH`` through :func:`under_test_env`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src"


def under_test_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with this checkout's ``src`` (and the repository, for ``tests``) first."""
    result = dict(os.environ if env is None else env)
    rest = [result["PYTHONPATH"]] if result.get("PYTHONPATH") else []
    result["PYTHONPATH"] = os.pathsep.join([str(SOURCE), str(ROOT), *rest])
    return result


def rolescope_argv(*args: str) -> list[str]:
    """The command line of ``rolescope ARGS`` run by this interpreter (use with :func:`under_test_env`)."""
    return [sys.executable, "-m", "rolescope", *args]
