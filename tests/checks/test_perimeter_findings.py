"""Findings say why: the RCP perimeter in the verdicts, the evidence, and rcp-perimeter-gap."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.factories import allow, gaad, role, trust
from tests.perimeter_org import MANAGEMENT, OUTSIDER, PROD, PROD_OU, RCP_ID, ROOT, SANDBOX, VENDOR, organization

from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import Finding
from rolescope.inventory.gaad import parse_gaad
from rolescope.scanner import ScanResult, scan_snapshots

NOW = datetime(2026, 11, 23, tzinfo=UTC)
OUTSIDER_TRUST = trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"}))


def scan(account: str, *roles: dict[str, Any], rcp_targets: tuple[str, ...] = (PROD_OU,)) -> ScanResult:
    snapshot = parse_gaad(gaad(*roles), "test.json", account)
    return scan_snapshots([snapshot], CheckSettings(organization=organization(rcp_targets=rcp_targets), now=NOW))


def by_role(result: ScanResult) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in result.findings:
        found.setdefault(finding.resource.rsplit("/", 1)[-1], []).append(finding)
    return found


def test_a_role_the_rcp_closes_is_not_reported_and_its_verdict_names_the_rcp() -> None:
    result = scan(PROD, role("closed", OUTSIDER_TRUST, PROD))
    assert not result.findings
    (closed,) = result.accounts[0].roles
    assert closed.analysis is not None and not closed.analysis.cross_account
    assert closed.perimeter is not None
    evidence = closed.perimeter.evidence()
    assert evidence["status"] == "closes"
    assert evidence["closed_by"][0] | {"document": None} == {
        "policy_id": RCP_ID, "policy_name": "sts-perimeter", "type": "RESOURCE_CONTROL_POLICY",
        "attached_to": PROD_OU, "statement": "Statement[0] (EnforceOrgIdentities)", "document": None}


def test_a_vendor_let_in_by_the_exception_is_reported_with_it() -> None:
    result = scan(PROD, role("vendor", trust(allow({"AWS": f"arn:aws:iam::{VENDOR}:root"})), PROD))
    checks = {f.check: f for f in by_role(result)["vendor"]}
    assert "trust-to-account-outside-organization" in checks and "rcp-perimeter-gap" not in checks
    perimeter = checks["trust-to-account-outside-organization"].evidence["perimeter"]
    assert perimeter["status"] == "open-by-exception"
    assert {e["policy_id"] for e in perimeter["exceptions"]} == {RCP_ID}


def test_an_ou_without_the_rcp_is_a_gap() -> None:
    found = by_role(scan(SANDBOX, role("sandboxed", OUTSIDER_TRUST, SANDBOX)))["sandboxed"]
    gap = next(f for f in found if f.check == "rcp-perimeter-gap")
    assert gap.severity == "medium" and gap.evidence["outside_accounts"] == [OUTSIDER]
    assert gap.evidence["perimeter"]["status"] == "not-covered"
    assert gap.evidence["perimeter"]["not_covered_by"][0]["targets"] == [PROD_OU]


def test_a_role_tagged_out_of_the_perimeter_is_a_gap() -> None:
    tagged = role("tagged", OUTSIDER_TRUST, PROD)
    tagged["Tags"] = [{"Key": "dp:exclude:identity", "Value": "true"}]
    found = by_role(scan(PROD, tagged))["tagged"]
    assert "rcp-perimeter-gap" in {f.check for f in found}


def test_the_management_account_is_a_gap_even_under_a_root_rcp() -> None:
    found = by_role(scan(MANAGEMENT, role("mgmt", OUTSIDER_TRUST, MANAGEMENT), rcp_targets=(ROOT,)))["mgmt"]
    gap = next(f for f in found if f.check == "rcp-perimeter-gap")
    assert "management account" in gap.message


def test_only_members_getting_in_is_no_gap() -> None:
    result = scan(SANDBOX, role("members", trust(allow({"AWS": f"arn:aws:iam::{PROD}:root"})), SANDBOX))
    assert "rcp-perimeter-gap" not in {f.check for f in result.findings}


def test_without_rcps_nothing_changes() -> None:
    snapshot = parse_gaad(gaad(role("plain", OUTSIDER_TRUST, PROD)), "test.json", PROD)
    result = scan_snapshots([snapshot], CheckSettings(now=NOW))
    assert result.accounts[0].roles[0].perimeter is None
    assert all("perimeter" not in f.evidence for f in result.findings)
