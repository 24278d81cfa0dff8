"""Compliance: requirements pass or fail per account, from the checks the catalogue maps to them."""

from __future__ import annotations

from typing import Any

import pytest

from rolescope.checks.catalogue import load_catalogue
from rolescope.report import compliance
from rolescope.report.compliance import (
    FAIL,
    NOT_ASSESSED,
    PASS,
    FrameworkReport,
    UnknownFramework,
    render_compliance_csv,
    resolve_framework,
)
from rolescope.report.reader import parse_document

A, B, C = "111111111111", "222222222222", "333333333333"
NIST = "NIST-800-53-Rev5"


def arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def finding(account: str, name: str, check: str, suppressed: str | None = None) -> dict[str, Any]:
    return {"id": f"{account}{name}{check}", "check": check, "severity": "low", "account_id": account,
            "resource": arn(account, name), "suppressed": suppressed}


def document(findings: list[dict[str, Any]], **scope: Any) -> dict[str, Any]:
    def roles(account: str, *names: str) -> list[dict[str, Any]]:
        return [{"name": n, "arn": arn(account, n)} for n in names]

    return {
        "schema": "rolescope.scan/v1",
        "accounts": [
            {"account_id": A, "status": "scanned", "roles": [*roles(A, "long", "unused", "fine"),
                                                             {"name": "broken", "arn": arn(A, "broken"),
                                                              "error": "unreadable"}]},
            {"account_id": B, "status": "scanned", "roles": roles(B, "vendor", "fine")},
            {"account_id": C, "status": "failed", "error": "AccessDenied", "roles": []},
        ],
        "findings": findings,
        **({"scope": scope} if scope else {}),
    }


def framework_report(document: dict[str, Any], framework: str) -> FrameworkReport:
    return compliance.framework_report(parse_document(document), framework)


def compliance_reports(document: dict[str, Any], frameworks: list[str] | None = None) -> list[FrameworkReport]:
    return compliance.compliance_reports(parse_document(document), frameworks)


def requirement(report: Any, requirement_id: str) -> Any:
    return next(r for r in report.requirements if r.id == requirement_id)


def tallies(result: Any) -> dict[str, tuple[str, int, int, int]]:
    return {t.account_id: (t.status, t.passed, t.failed, t.suppressed) for t in result.accounts}


def test_a_role_fails_a_requirement_through_any_check_mapped_to_it() -> None:
    report = framework_report(document([
        finding(A, "long", "long-session-cross-account-role"),
        finding(A, "unused", "unused-cross-account-role", suppressed="decommissioning in Q1"),
    ]), NIST)
    session = requirement(report, "AC-12")  # Session Termination <- long-session-cross-account-role
    assert session.checks == ("long-session-cross-account-role",)
    assert session.status == FAIL
    # the role with an unreadable trust policy is not counted; the failed account is not assessed
    assert tallies(session) == {A: (FAIL, 2, 1, 0), B: (PASS, 2, 0, 0), C: (NOT_ASSESSED, 0, 0, 0)}
    assert session.accounts[0].failing_roles == (arn(A, "long"),)
    disable = requirement(report, "AC-2(3)")  # Disable Accounts <- unused-cross-account-role, suppressed here
    assert disable.status == NOT_ASSESSED  # no account fails, but account C was not scanned
    assert tallies(disable)[A] == (PASS, 2, 0, 1)


def test_a_requirement_passes_only_when_every_account_was_assessed_and_passes() -> None:
    doc = document([finding(B, "vendor", "trust-to-account-outside-organization")])
    doc["accounts"].pop()  # no failed account
    report = framework_report(doc, NIST)
    assert requirement(report, "AC-12").status == PASS
    supplier = requirement(report, "SA-9")  # External System Services <- trust-to-account-outside-organization
    assert supplier.status == FAIL and tallies(supplier)[B] == (FAIL, 1, 1, 0)
    assert report.as_json()["summary"] == {PASS: 10, FAIL: 3, NOT_ASSESSED: 0}  # SA-9, AC-3 and AC-20


def test_checks_that_did_not_run_assess_nothing() -> None:
    doc = document([], checks=["public-trust"], severities=["critical", "high", "medium", "low", "info"])
    report = framework_report(doc, NIST)
    assert requirement(report, "AC-12").status == NOT_ASSESSED
    assert tallies(requirement(report, "AC-12"))[A][0] == NOT_ASSESSED
    assert tallies(requirement(report, "AC-3"))[A] == (PASS, 3, 0, 0)  # public-trust maps AC-3
    assert any(note.startswith("checks that did not run") and "long-session-cross-account-role" in note
               for note in report.notes)


def test_severity_filtered_scans_are_flagged() -> None:
    report = framework_report(document([], severities=["critical"]), NIST)
    assert any("kept only findings of severity critical" in note for note in report.notes)
    assert "accounts not scanned (not assessed): 333333333333" in report.notes


def test_every_framework_lists_every_requirement_of_the_catalogue(demo_document: dict[str, Any]) -> None:
    catalogue = load_catalogue()
    reports = compliance_reports(demo_document)
    assert [r.key for r in reports] == list(catalogue.frameworks)
    for report in reports:
        assert [r.id for r in report.requirements] == list(catalogue.frameworks[report.key].requirements)
        assert all(r.checks for r in report.requirements), "every requirement is mapped by some check"
        assert report.accounts == tuple(a["account_id"] for a in demo_document["accounts"])
    # the demo is built to fail: every NIST requirement fails somewhere
    assert {r.status for r in requirement_list(reports, NIST)} == {FAIL}


def requirement_list(reports: list[Any], key: str) -> list[Any]:
    return next(r for r in reports if r.key == key).requirements


def test_counts_add_up_to_the_readable_roles(demo_document: dict[str, Any]) -> None:
    readable = {a["account_id"]: sum(1 for r in a["roles"] if "error" not in a["trusts"][r["trust"]])
                for a in demo_document["accounts"]}
    for report in compliance_reports(demo_document):
        for result in report.requirements:
            for tally in result.accounts:
                assert tally.passed + tally.failed + tally.suppressed == readable[tally.account_id]
                assert len(tally.failing_roles) == tally.failed


@pytest.mark.parametrize(("name", "key"), [("NIST-800-53-Rev5", NIST), ("nist-800-53-rev5", NIST), ("nist", NIST),
                                           ("pci", "PCI-DSS-4.0"), ("SOC2", "SOC2"), (" mitre ", "MITRE-ATTACK")])
def test_framework_names(name: str, key: str) -> None:
    assert resolve_framework(name) == key


@pytest.mark.parametrize(("name", "message"), [("iso27001", "is not a framework"), ("", "is not a framework")])
def test_unknown_framework_lists_the_known_ones(name: str, message: str) -> None:
    with pytest.raises(UnknownFramework, match=message) as raised:
        resolve_framework(name)
    assert "NIST-800-53-Rev5, PCI-DSS-4.0" in str(raised.value)


def test_csv_has_a_row_per_requirement_and_account(demo_document: dict[str, Any]) -> None:
    lines = render_compliance_csv(compliance_reports(demo_document, [NIST])).decode().splitlines()
    assert lines[0].startswith("framework,requirement,title,checks,requirement_status,account_id,account_status")
    assert len(lines) == 1 + 13 * 6
    assert lines[1].startswith("NIST-800-53-Rev5,AC-2,Account Management,")
