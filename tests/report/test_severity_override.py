"""A finding whose severity is not its check's catalogue severity shows both, and why, in every report."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from tests.report.render import embedded_data, render, render_page

from rolescope.checks.finding import OverriddenSeverity
from rolescope.report.console import render_console
from rolescope.report.csv_report import write_csv
from rolescope.report.ocsf import write_ocsf
from rolescope.report.reader import parse_document
from rolescope.report.sarif import write_sarif

REASON = "lowered: every outside request must carry MFA or an ExternalId"


def overridden(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if "severity_override" in f]


def test_the_document_records_the_override_and_reads_it_back(demo_document: dict[str, Any]) -> None:
    found = overridden(demo_document)
    assert found and all(f["check"] == "privileged-cross-account-role" and f["severity"] == "medium" for f in found)
    assert {json.dumps(f["severity_override"]) for f in found} == {json.dumps({"default": "high", "reason": REASON})}
    typed = parse_document(demo_document)
    assert {f.overridden for f in typed.findings if f.overridden} == {OverriddenSeverity("high", REASON)}
    assert sum(1 for f in typed.findings if f.overridden) == len(found)


def test_console_sarif_and_html_show_the_catalogue_severity_and_the_reason(demo_document: dict[str, Any]) -> None:
    out = io.StringIO()
    render_console(parse_document(demo_document), Console(file=out, width=400), "details")
    assert f"severity medium (catalogue: high; {REASON})" in out.getvalue()
    summary = io.StringIO()
    render_console(parse_document(demo_document), Console(file=summary, width=400))
    assert f"Cross-account role with administrative permissions (catalogue: high; {REASON})" in summary.getvalue()
    sarif = json.loads(render(write_sarif, demo_document))
    properties = [r["properties"] for r in sarif["runs"][0]["results"] if "severity_override" in r["properties"]]
    assert len(properties) == len(overridden(demo_document))
    assert properties[0]["severity_override"] == {"default": "high", "reason": REASON}
    # the page draws a finding's details from its data (tests/browser shows them drawn)
    page = {f["id"]: f for f in embedded_data(render_page(demo_document).decode())["findings"]}
    assert all(page[f["id"]]["overridden"] == {"default": "high", "reason": REASON} for f in overridden(demo_document))


def test_csv_and_ocsf_show_the_catalogue_severity_and_the_reason(demo_document: dict[str, Any]) -> None:
    table = list(csv.DictReader(io.StringIO(render(write_csv, demo_document).decode(), newline="")))
    lowered = [row for row in table if row["severity_reason"]]
    assert len(lowered) == len(overridden(demo_document))
    assert {(r["severity"], r["default_severity"], r["severity_reason"]) for r in lowered} == {
        ("medium", "high", REASON)}
    assert all(r["default_severity"] == r["severity"] for r in table if not r["severity_reason"])
    events = [json.loads(line) for line in render(write_ocsf, demo_document).splitlines()]
    shown = [e["unmapped"]["severity_override"] for e in events if "severity_override" in e["unmapped"]]
    assert shown == [{"default": "high", "reason": REASON}] * len(overridden(demo_document))
