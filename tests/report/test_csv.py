"""CSV: one row per finding, fixed columns, RFC 4180 quoting, and no formulas for spreadsheets."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.cli.runner import invoke
from tests.report.hostile import FORMULA, hostile_document
from tests.report.render import render

from rolescope.report.csv_report import COLUMNS, neutralise, write_csv


def render_csv(document: dict[str, Any]) -> bytes:
    return render(write_csv, document)


def rows(document: dict[str, Any]) -> list[dict[str, str]]:
    payload = render_csv(document)
    assert payload.count(b"\r\n") >= 1
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8"), newline="")))


def test_header_is_the_fixed_columns_and_there_is_one_row_per_finding(demo_document: dict[str, Any]) -> None:
    payload = render_csv(demo_document).decode()
    assert payload.split("\r\n", 1)[0] == ",".join(COLUMNS)
    table = rows(demo_document)
    assert len(table) == len(demo_document["findings"]) > 0
    assert [r["finding_id"] for r in table] == [f["id"] for f in demo_document["findings"]]
    assert COLUMNS == ("finding_id", "severity", "status", "check", "title", "account_id", "account_name",
                       "role_name", "role_arn", "statement", "message", "suppression_reason", "remediation",
                       "remediation_cli", "compliance", "scanned_at", "default_severity", "severity_reason")


def test_row_content(demo_document: dict[str, Any]) -> None:
    finding = demo_document["findings"][0]
    finding["suppressed"] = "accepted, \"for now\"\nsee SEC-1"
    row = rows(demo_document)[0]
    assert row["role_arn"] == finding["resource"]
    assert row["role_name"] == finding["resource"].rsplit("/", 1)[-1]
    assert row["account_name"] == "northwind-shared-services"
    assert row["status"] == "suppressed"
    # the line break is shown, not kept: every finding is one line of the file (see rolescope.textsafe)
    assert row["suppression_reason"] == "accepted, \"for now\"\\nsee SEC-1"
    assert row["statement"] == str(finding["statement"])
    assert row["message"] == finding["message"]
    assert row["remediation_cli"].startswith("aws iam update-assume-role-policy --role-name ")
    assert "NIST-800-53-Rev5 AC-3" in row["compliance"].split("; ")
    assert row["scanned_at"] == demo_document["generated_at"]
    assert {r["status"] for r in rows(demo_document)[1:]} == {"open"}


def test_statementless_findings_have_an_empty_statement_cell(demo_document: dict[str, Any]) -> None:
    table = rows(demo_document)
    unused = [r for r in table if r["check"] == "unused-cross-account-role"]
    assert unused and all(r["statement"] == "" for r in unused)


def test_formulas_are_neutralised(tmp_path: Path) -> None:
    table = rows(hostile_document(tmp_path / "org"))
    # and as `scan` writes it, from a document that keeps no role (names then come from the ARNs)
    scanned = invoke("scan", "--no-config", "--from", str(tmp_path / "org"), "--format", "csv").stdout
    table += list(csv.DictReader(io.StringIO(scanned, newline="")))
    names = [r["role_name"] for r in table]
    assert names.count("'" + FORMULA) == 4 and FORMULA not in names
    for row in table:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    assert neutralise("-1") == "'-1" and neutralise("@x") == "'@x" and neutralise("\tx") == "'\tx"
    assert neutralise("a=b") == "a=b" and neutralise("") == ""
