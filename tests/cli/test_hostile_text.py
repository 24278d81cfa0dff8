"""Every text output of every command, fed names and policy strings written to attack a terminal:
no character that is not printable gets through (only our own line breaks), what was there is shown
as an escape, no line is forged, rich markup is printed rather than obeyed, DOT and Mermaid still
parse, spreadsheet formulas are neutralised; the JSON document keeps the exact strings."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.cli.hostile_text import (
    ALIAS,
    CLEAR_AND_TITLE,
    FORMULA,
    HOSTILE_NAMES,
    MARKUP,
    VISIBLE,
    hostile_policy,
    write_hostile_account,
)
from tests.factories import ACCOUNT, OUTSIDER, gaad

from rolescope.cli.main import cli

# Wide enough that rich wraps nothing: a name must come out whole to be checked.
ENV = {"COLUMNS": "400", "NO_COLOR": "1"}


def run(*args: str) -> Result:
    return CliRunner(env=ENV).invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """Each command's result, by a name for messages."""
    root = tmp_path_factory.mktemp("hostile")
    accounts, org = write_hostile_account(root)
    scan_json, old_json, plan = root / "scan.json", root / "old.json", root / "plan.json"
    assert run("scan", "--from", str(accounts), "--org-accounts", str(org), "--format", "json",
               "--output", str(scan_json)).exit_code == 0
    (root / "empty").mkdir()
    (root / "empty" / f"{ACCOUNT}.json").write_text(json.dumps(gaad()))
    assert run("scan", "--from", str(root / "empty"), "--format", "json", "--output", str(old_json)).exit_code == 0
    policy = root / "policy.json"
    policy.write_text(json.dumps(hostile_policy()))
    bad = root / "bad.json"
    bad.write_text(json.dumps({"Statement": [{"Effect": f"Allow{CLEAR_AND_TITLE}", "Principal": "*",
                                              "Action": "sts:AssumeRole"}]}))
    results = {
        "scan console": run("scan", "--from", str(accounts), "--org-accounts", str(org)),
        "scan console details": run("scan", "--from", str(accounts), "--org-accounts", str(org), "--details"),
        "scan csv": run("scan", "--from", str(accounts), "--org-accounts", str(org), "--format", "csv"),
        "graph dot": run("graph", "--from", str(accounts), "--org-accounts", str(org), "--format", "dot"),
        "graph mermaid": run("graph", "--from", str(accounts), "--org-accounts", str(org), "--format", "mermaid"),
        "graph text": run("graph", "--from", str(accounts), "--org-accounts", str(org), "--format", "text"),
        "diff console": run("diff", str(old_json), str(scan_json)),
        "diff markdown": run("diff", str(old_json), str(scan_json), "--format", "markdown"),
        "compliance console": run("compliance", "--scan", str(scan_json), "--framework", "all"),
        "compliance csv": run("compliance", "--scan", str(scan_json), "--framework", "all", "--format", "csv"),
        "fix plan": run("fix", "plan", "--from", str(scan_json), "--out", str(plan), "--role", "quoted"),
        "check-policy": run("check-policy", "--account-id", ACCOUNT, str(policy)),
        "simulate": run("simulate", "--policy", str(policy), "--principal", OUTSIDER),
        "error quoting a policy": run("check-policy", "--account-id", ACCOUNT, str(bad)),
        "error naming a file": run("check-policy", "--account-id", ACCOUNT, str(root / f"x{CLEAR_AND_TITLE}.json")),
    }
    results["fix show"] = run("fix", "show", str(plan))
    results["scan json"] = run("scan", "--from", str(accounts), "--org-accounts", str(org), "--format", "json")
    return results


TEXT_OUTPUTS = ["scan console", "scan console details", "scan csv", "graph dot", "graph mermaid", "graph text",
                "diff console", "diff markdown", "compliance console", "compliance csv", "fix plan", "fix show",
                "check-policy", "simulate", "error quoting a policy", "error naming a file"]


def _text(result: Result) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize("name", TEXT_OUTPUTS)
def test_nothing_invisible_reaches_the_output(outputs: dict[str, Result], name: str) -> None:
    text = _text(outputs[name])
    assert text
    lines = text.replace("\r\n", "\n").split("\n")  # CSV ends its records with CRLF
    leaks = sorted({hex(ord(c)) for line in lines for c in line if not c.isprintable()})
    assert not leaks, f"{name}: {leaks}"
    assert not any(line.lstrip(" │|`\"'").startswith("FAKE") for line in lines), f"{name}: forged line"


@pytest.mark.parametrize("name", ["scan console", "scan console details", "scan csv", "graph dot", "graph mermaid",
                                  "diff console", "diff markdown", "check-policy"])
def test_what_was_there_is_shown_as_escapes(outputs: dict[str, Result], name: str) -> None:
    text = _text(outputs[name])
    missing = [e for e in VISIBLE if e not in text.replace("\\\\", "\\")]  # Markdown and DOT double a backslash
    assert not missing, f"{name}: {missing}"


def test_graph_text_shows_the_names_in_a_chain(outputs: dict[str, Result]) -> None:
    text = outputs["graph text"].stdout
    assert "role deep\\nFAKE: all clear\\r\\u202egnp.exe" in text and "role hop\\x1b]0;pwned\\x07" in text


def test_errors_quoting_file_contents_or_names_are_one_visible_line(outputs: dict[str, Result]) -> None:
    for name in ("error quoting a policy", "error naming a file"):
        result = outputs[name]
        assert result.exit_code == 2 and result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith("rolescope: error: ") and "x1b" in line


def test_rich_markup_is_printed_not_obeyed(outputs: dict[str, Result]) -> None:
    assert f"m{MARKUP}" in outputs["scan console"].stdout
    assert MARKUP in outputs["check-policy"].stdout
    assert "org\\x1b[31m\\nFAKE: all clear\\r" in outputs["compliance console"].stdout  # an account's name


def test_csv_cells_are_neutralised_and_one_line_each(outputs: dict[str, Result]) -> None:
    rows = list(csv.DictReader(io.StringIO(outputs["scan csv"].stdout, newline="")))
    names = {row["role_name"] for row in rows}
    assert "'" + FORMULA in names and "'+cmd" in names and "'@sum" in names and "'-2+3" in names
    assert "ci\\nFAKE: all clear\\r" in names
    assert all("\n" not in value and "\r" not in value for row in rows for value in row.values())
    compliance = list(csv.reader(io.StringIO(outputs["compliance csv"].stdout, newline="")))
    assert all(cell.isprintable() for row in compliance for cell in row)


_QUOTED = r'"(?:[^"\\]|\\.)*"'
_DOT_LINES = [
    r"digraph rolescope \{", r"  rankdir=LR;", r"  node \[fontname=Helvetica\];", r"  \}", r"\}",
    rf"  subgraph {_QUOTED} \{{ label={_QUOTED};",
    rf" +{_QUOTED} \[label={_QUOTED}, shape=\w+\];",
    rf"  {_QUOTED} -> {_QUOTED} \[label={_QUOTED}, color={_QUOTED}(, style=dashed)?\];",
]


def _dot_unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def test_dot_parses_and_keeps_every_role_apart(outputs: dict[str, Result]) -> None:
    lines = outputs["graph dot"].stdout.rstrip("\n").split("\n")
    depth, ids = 0, []
    for line in lines:
        assert any(re.fullmatch(pattern, line) for pattern in _DOT_LINES), line
        depth += line.endswith("{") or " { label=" in line
        depth -= line.strip() == "}"
        assert depth >= 0
        node = re.match(rf" +({_QUOTED}) \[label=.*shape=", line)
        if node:
            ids.append(_dot_unquote(node.group(1)))
    assert depth == 0
    roles = [i for i in ids if ":role/" in i]
    # the hostile names, "pathed", "quoted", the outside role "quoted" trusts, and the two hops of the chain
    assert len(roles) == len(set(roles)) == len(HOSTILE_NAMES) + 5


def test_mermaid_lines_have_only_their_own_syntax(outputs: dict[str, Result]) -> None:
    patterns = [r"flowchart LR", r'  n\d+\["[^"<>{}\[\]|#;`&]*"\]',
                r'  n\d+ (-->|-\.->)\|"[^"<>{}\[\]|#;`&]*"\| n\d+', r"  linkStyle \d+ stroke:#[0-9a-f]{6}"]
    for line in outputs["graph mermaid"].stdout.rstrip("\n").split("\n"):
        assert any(re.fullmatch(p, line) for p in patterns), line


def test_the_json_document_keeps_the_exact_strings(outputs: dict[str, Result]) -> None:
    document: Any = json.loads(outputs["scan json"].stdout)
    arns = {f["resource"] for f in document["findings"]}
    assert {f"arn:aws:iam::{ACCOUNT}:role/{name}" for name in HOSTILE_NAMES} <= arns
    assert document["organization"]["account_names"][ACCOUNT] == ALIAS


def test_a_policy_of_only_printable_text_prints_as_before(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "sts:AssumeRole"}]}))
    result = run("check-policy", "--account-id", ACCOUNT, str(policy))
    assert f"Statement[0] (Vendor) cross-account: arn:aws:iam::{OUTSIDER}:root - requires nothing" in result.stdout
