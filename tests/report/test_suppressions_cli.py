"""``--suppressions`` end to end on the demo: marked findings, --fail-on, expiry warnings, bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from rolescope.cli.main import cli

OKTA_ROLE = "arn:aws:iam::862407391645:role/OrganizationAccountAccessRole"


def demo(tmp_path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    out = tmp_path / "scan.json"
    result = CliRunner().invoke(cli, ["demo", "--format", "json", "--output", str(out), *args],
                                catch_exceptions=False)
    return result, json.loads(out.read_text()) if out.exists() else {}


def test_suppressed_findings_stay_in_the_document_and_do_not_fail_the_run(tmp_path: Path) -> None:
    rules = tmp_path / "suppressions.yaml"
    rules.write_text("""
suppressions:
  - check: public-trust
    reason: accepted for the demo
  - check: oidc-trust-without-subject
    reason: was accepted until 2020
    expires: 2020-01-31
""")
    result, document = demo(tmp_path, "--suppressions", str(rules), "--fail-on", "critical")
    public = [f for f in document["findings"] if f["check"] == "public-trust"]
    oidc = [f for f in document["findings"] if f["check"] == "oidc-trust-without-subject"]
    assert public and all(f["suppressed"] == "accepted for the demo" for f in public)
    assert oidc and all(f["suppressed"] is None for f in oidc)
    # the OIDC findings are critical and no longer suppressed: the run fails on them
    assert result.exit_code == 1
    assert document["summary"]["suppressed"] == len(public)
    assert document["summary"]["findings"]["critical"] == sum(
        1 for f in document["findings"] if f["severity"] == "critical" and not f["suppressed"])
    block = document["suppressions"]
    assert block["source"] == str(rules)
    assert [(e["index"], e["findings"]) for e in block["applied"]] == [(1, len(public))]
    assert [(e["index"], e["expires"], e["findings"]) for e in block["expired"]] == [(2, "2020-01-31", len(oidc))]
    assert "suppression #2 (check oidc-trust-without-subject) expired on 2020-01-31" in result.stderr


def test_suppressing_every_critical_finding_lets_fail_on_critical_pass(tmp_path: Path) -> None:
    rules = tmp_path / "s.yaml"
    rules.write_text("suppressions:\n"
                     "  - {check: public-trust, reason: r}\n"
                     "  - {check: oidc-trust-without-subject, reason: r, expires: 2999-12-31}\n")
    result, document = demo(tmp_path, "--suppressions", str(rules), "--fail-on", "critical")
    assert result.exit_code == 0, result.output
    assert document["summary"]["findings"]["critical"] == 0
    assert result.stderr.startswith("rolescope: wrote ") and result.stderr.count("\n") == 1  # no warning


def test_without_suppressions_the_block_is_empty(tmp_path: Path) -> None:
    _, document = demo(tmp_path)
    assert document["suppressions"] == {"source": None, "entries": 0, "today": None, "applied": [], "expired": []}
    assert not any(f["suppressed"] for f in document["findings"])


def test_console_shows_the_suppressed_count(tmp_path: Path) -> None:
    rules = tmp_path / "s.yaml"
    rules.write_text(f"suppressions:\n  - {{resource: '{OKTA_ROLE}', reason: approved in SEC-7}}\n"
                     "  - {check: weak-external-id, reason: old, expires: 2020-01-01}\n")
    result = CliRunner().invoke(cli, ["demo", "--suppressions", str(rules), "--details"], catch_exceptions=False)
    assert result.exit_code == 0
    # the role has three findings (cross-account without MFA/ExternalId, privileged, and its identity policy
    # may assume any role): listed apart, with the reason
    assert "; 3 suppressed" in result.stdout
    suppressed = result.stdout[result.stdout.index("SUPPRESSED (3)"):]
    assert suppressed.count(OKTA_ROLE) == 3 and suppressed.count("suppressed: approved in SEC-7") == 3
    assert "expired suppression #2 (2020-01-01): old" in result.stdout
    assert OKTA_ROLE not in result.stdout[:result.stdout.index("SUPPRESSED (3)")]
    # the summary says it in a line per suppression, and counts the suppressed findings per check
    summary = CliRunner().invoke(cli, ["demo", "--suppressions", str(rules)], catch_exceptions=False).stdout
    assert "; 3 suppressed" in summary and "SUPPRESSED" not in summary and OKTA_ROLE not in summary
    assert "suppressed by #1: 3 findings: approved in SEC-7" in summary
    assert "expired suppression #2 (2020-01-01): old" in summary
    privileged = next(line for line in summary.splitlines() if "│ privileged-cross-account-role" in line)
    assert privileged.split("│")[5].strip() == "1"  # the Suppressed column


def test_malformed_file_is_one_line_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "s.yaml"
    rules.write_text("suppressions:\n  - check: public-trust\n")
    result = CliRunner().invoke(cli, ["demo", "--suppressions", str(rules)])
    assert result.exit_code == 2
    assert result.stderr == f"rolescope: error: {rules}: suppression #1: 'reason' is required and must be " \
                            "non-empty text\n"
    assert result.stdout == ""
