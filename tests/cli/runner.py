"""Running the command as the tests need: through click in-process, or through the entry point."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from click.testing import CliRunner

from rolescope.cli.main import cli, main


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run ``rolescope ARGS`` through :func:`rolescope.cli.main.main` (its one-line errors and exit
    codes, which click's runner bypasses), in this process; returns the exit code."""
    monkeypatch.setattr(sys, "argv", ["rolescope", *args])
    with pytest.raises(SystemExit) as done:
        main()
    return int(done.value.code or 0)
