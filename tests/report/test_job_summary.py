"""The CI job summary of a SARIF log: counts by severity, suppressed, the most severe open findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.report.render import render

from rolescope.report.job_summary import main, markdown_summary, sarif_results
from rolescope.report.sarif import write_sarif


def sarif(document: dict[str, Any]) -> bytes:
    return render(write_sarif, document)


def test_counts_follow_the_findings(demo_document: dict[str, Any]) -> None:
    demo_document["findings"][0]["suppressed"] = "accepted"
    findings = demo_document["findings"]
    markdown = markdown_summary(sarif_results(sarif(demo_document)), "rolescope scan")
    open_findings = [f for f in findings if not f["suppressed"]]
    assert markdown.startswith("## rolescope scan\n")
    assert f"**{len(open_findings)} open findings**, 1 suppressed." in markdown
    for severity in ("critical", "high", "medium", "low", "info"):
        assert f"| {severity} | {sum(f['severity'] == severity for f in open_findings)} |" in markdown
    assert f"### Most severe (10 of {len(open_findings)})" in markdown
    table = markdown.split("### Most severe", 1)[1].splitlines()[4:]
    critical = sum(f["severity"] == "critical" for f in open_findings)
    assert len(table) == 10 and [row.split(" | ")[0] for row in table[:critical + 1]] == ["| critical"] * critical + [
        "| high"]


def test_markup_in_messages_stays_text(demo_document: dict[str, Any]) -> None:
    demo_document["findings"][0].update(severity="critical", message="<img src=x onerror=alert(1)>|`x`\nnext")
    markdown = markdown_summary(sarif_results(sarif(demo_document)))
    assert "&lt;img src=x onerror=alert(1)&gt;\\|'x' next" in markdown
    assert "<img" not in markdown


def test_no_findings(demo_document: dict[str, Any]) -> None:
    markdown = markdown_summary(sarif_results(sarif({**demo_document, "findings": []})))
    assert "**0 open findings**, 0 suppressed." in markdown and "Most severe" not in markdown


@pytest.mark.parametrize(("content", "error"), [
    (None, "No such file or directory"),
    (b"{not json", "not JSON"),
    (b'{"runs": 3}', "not a SARIF log"),
])
def test_unreadable_logs_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 content: bytes | None, error: str) -> None:
    log = tmp_path / "rolescope.sarif"
    if content is not None:
        log.write_bytes(content)
    assert main([str(log)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"rolescope: error: {log}: ") and error in captured.err
    assert len(captured.err.splitlines()) == 1


def test_main_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 demo_document: dict[str, Any]) -> None:
    log = tmp_path / "rolescope.sarif"
    log.write_bytes(sarif(demo_document))
    assert main([str(log), "title"]) == 0
    assert capsys.readouterr().out == markdown_summary(orjson.loads(log.read_bytes())["runs"][0]["results"], "title")
