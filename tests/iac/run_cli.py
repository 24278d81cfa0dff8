"""Running ``rolescope check-iac`` in-process and reading its JSON report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from tests.factories import ACCOUNT

from rolescope.cli.main import cli

FIXTURES = Path(__file__).parent / "fixtures"


def check_iac(*args: str | Path, account: str = ACCOUNT) -> Any:
    return CliRunner().invoke(cli, ["check-iac", "--account-id", account, *map(str, args)], catch_exceptions=False)


def report(*args: str | Path) -> dict[str, Any]:
    result = check_iac("--format", "json", *args)
    document: dict[str, Any] = json.loads(result.stdout)
    document["exit_code"] = result.exit_code
    return document


def located(document: dict[str, Any]) -> set[tuple[str, str, int | None, str]]:
    """(file name, resource, line, check) of every finding."""
    return {(Path(f["file"]).name, f["resource"], f["line"], f["check"]) for f in document["findings"]}


def write_template(tmp_path: Path, text: str, name: str = "template.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path
