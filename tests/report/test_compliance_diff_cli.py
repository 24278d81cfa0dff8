"""``rolescope compliance`` and ``rolescope diff`` end to end, including every bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.process import rolescope_argv, under_test_env

from rolescope.cli.demo import sample_org_path
from rolescope.cli.main import cli


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture()
def scan_file(tmp_path: Path, demo_document: dict[str, Any]) -> Path:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(demo_document))
    return path


def test_compliance_from_a_scan_document(scan_file: Path) -> None:
    result = run("compliance", "--framework", "nist", "--scan", str(scan_file), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["framework"] == "NIST-800-53-Rev5"
    assert report["summary"] == {"pass": 0, "fail": 13, "not assessed": 0}
    assert len(report["requirements"]) == 13


def test_compliance_console(scan_file: Path) -> None:
    result = run("compliance", "--framework", "PCI-DSS-4.0", "--scan", str(scan_file))
    assert result.exit_code == 0
    assert "Payment Card Industry Data Security Standard (PCI-DSS-4.0)" in result.stdout
    assert "northwind-prod" in result.stdout and "862407391645" in result.stdout
    assert "requirements pass," in result.stdout


def test_compliance_from_files_for_all_frameworks(tmp_path: Path) -> None:
    out = tmp_path / "compliance.csv"
    result = run("compliance", "--framework", "all", "--from", str(sample_org_path()), "--format", "csv",
                 "--output", str(out))
    assert result.exit_code == 0, result.stderr
    frameworks = {line.split(",", 1)[0] for line in out.read_text().splitlines()[1:]}
    assert frameworks == {"NIST-800-53-Rev5", "PCI-DSS-4.0", "MITRE-ATTACK", "SOC2", "HITRUST-CSF", "ITSG-33"}


def test_compliance_from_files_applies_suppressions(tmp_path: Path) -> None:
    rules = tmp_path / "s.yaml"
    rules.write_text("suppressions:\n  - {check: long-session-cross-account-role, reason: accepted}\n")
    result = run("compliance", "--framework", "NIST", "--from", str(sample_org_path()), "--suppressions", str(rules),
                 "--format", "json")
    session = next(r for r in json.loads(result.stdout)["requirements"] if r["id"] == "AC-12")
    assert session["status"] == "pass"
    # IncidentResponder's; the former contractor's long session is closed by the sample's RCP perimeter
    assert sum(a["suppressed"] for a in session["accounts"]) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--framework", "nist"], "give either --scan SCAN.json or --from PATH"),
    (["--framework", "nist", "--scan", "{scan}", "--from", "x"], "give either --scan SCAN.json or --from PATH"),
    (["--framework", "iso", "--scan", "{scan}"], "--framework 'iso' is not a framework the catalogue maps"),
    (["--framework", "nist", "--scan", "{scan}", "--org-accounts", "o.json"], "go with --from"),
    (["--framework", "nist", "--scan", "{scan}", "--output", "x.txt"], "--output needs --format json or csv"),
    (["--framework", "nist", "--scan", "{missing}"], "missing.json: no such file"),
    (["--framework", "nist", "--scan", "{notjson}"], "notjson.json: not JSON"),
    (["--framework", "nist", "--scan", "{other}"], "not a rolescope scan document (schema 'something/v2'"),
    (["--framework", "nist", "--scan", "{broken}"], "findings[0].id is missing or not text"),
    (["--framework", "nist", "--from", "{missing}"], "no snapshot could be read"),
])
def test_compliance_bad_input_is_one_line_exit_2(tmp_path: Path, scan_file: Path, args: list[str],
                                                 message: str) -> None:
    (tmp_path / "notjson.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"schema": "something/v2"}')
    (tmp_path / "broken.json").write_text('{"schema": "rolescope.scan/v1", "accounts": [], "findings": [{}]}')
    paths = {"scan": scan_file, "missing": tmp_path / "missing.json", "notjson": tmp_path / "notjson.json",
             "other": tmp_path / "other.json", "broken": tmp_path / "broken.json"}
    result = run("compliance", *(a.format(**paths) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    # one line per problem: an unreadable --from file is named, then why nothing could be done
    assert all(line.startswith("rolescope: error: ") for line in result.stderr.splitlines())
    assert result.stderr.count("\n") == (2 if "--from" in args and "{missing}" in args else 1)


def _changed(document: dict[str, Any]) -> dict[str, Any]:
    """The demo after fixing its first finding and acquiring a new high one."""
    fixed = document["findings"].pop(0)
    added = dict(document["findings"][0], id="0" * 20, severity="high", check="weak-external-id")
    document["findings"].append(added)
    return {"fixed": fixed, "added": added, "document": document}


def test_diff_reports_new_and_resolved(tmp_path: Path, scan_file: Path, demo_document: dict[str, Any]) -> None:
    change = _changed(demo_document)
    new_file = tmp_path / "new.json"
    new_file.write_text(json.dumps(change["document"]))
    result = run("diff", str(scan_file), str(new_file), "--format", "json")
    assert result.exit_code == 0
    diff = json.loads(result.stdout)
    assert diff["schema"] == "rolescope.diff/v2"
    assert [f["id"] for f in diff["new_findings"]] == ["0" * 20]
    assert [f["id"] for f in diff["resolved_findings"]] == [change["fixed"]["id"]]
    assert diff["summary"]["unchanged"] == len(demo_document["findings"]) - 1
    console = run("diff", str(scan_file), str(new_file))
    assert console.stdout.startswith(f"1 new, 1 resolved, {diff['summary']['unchanged']} unchanged")
    assert "weak-external-id" in console.stdout
    markdown = tmp_path / "diff.md"
    assert run("diff", str(scan_file), str(new_file), "--format", "markdown", "-o", str(markdown)).exit_code == 0
    assert "### New" in markdown.read_text() and "### Resolved" in markdown.read_text()


def test_diff_fail_on_counts_only_new_unsuppressed_findings(tmp_path: Path, scan_file: Path,
                                                            demo_document: dict[str, Any]) -> None:
    change = _changed(demo_document)
    new_file = tmp_path / "new.json"
    new_file.write_text(json.dumps(change["document"]))
    assert run("diff", str(scan_file), str(new_file), "--fail-on", "high").exit_code == 1
    assert run("diff", str(scan_file), str(new_file), "--fail-on", "critical").exit_code == 0
    change["added"]["suppressed"] = "accepted"
    new_file.write_text(json.dumps(change["document"]))
    assert run("diff", str(scan_file), str(new_file), "--fail-on", "low").exit_code == 0
    # the same scan twice: nothing new, even though it has critical findings
    assert run("diff", str(scan_file), str(scan_file), "--fail-on", "info").exit_code == 0


def test_diff_bad_input(tmp_path: Path, scan_file: Path) -> None:
    result = run("diff", str(scan_file), str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and result.stderr == f"rolescope: error: {tmp_path / 'nope.json'}: no such file\n"
    (tmp_path / "list.json").write_text("[]")
    result = run("diff", str(tmp_path / "list.json"), str(scan_file))
    assert result.exit_code == 2 and "list.json: not a rolescope scan document (a JSON array" in result.stderr
    result = run("diff", str(scan_file), str(scan_file), "--output", "x")
    assert result.exit_code == 2 and "--output needs --format json or markdown" in result.stderr


@pytest.mark.process
def test_no_traceback_as_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe garbage")
    done = subprocess.run(rolescope_argv("diff", str(bad), str(bad)), capture_output=True,
                          text=True, timeout=60, env=under_test_env())
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
