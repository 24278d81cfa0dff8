"""Each check on crafted snapshots: the role that should fail, and its guarded twin that should pass."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.factories import ACCOUNT, MEMBER, OUTSIDER, allow, gaad, organization, role, trust

from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import Finding, OverriddenSeverity
from rolescope.checks.registry import CHECKS, RegisteredCheck
from rolescope.inventory.files import parse_organization
from rolescope.inventory.gaad import parse_gaad
from rolescope.scanner import scan_snapshots

NOW = datetime(2026, 11, 23, tzinfo=UTC)
ORG = parse_organization(organization(ACCOUNT, MEMBER))
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
ADMIN_INLINE = {"admin": {"Version": "2012-10-17",
                          "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}


def external_id(value: str) -> dict[str, Any]:
    return {"StringEquals": {"sts:ExternalId": value}}


def findings_for(*roles: dict[str, Any], settings: CheckSettings | None = None) -> dict[str, set[str]]:
    snapshot = parse_gaad(gaad(*roles), "test.json")
    result = scan_snapshots([snapshot], settings or CheckSettings(organization=ORG, now=NOW))
    found: dict[str, set[str]] = {r["RoleName"]: set() for r in roles}
    for finding in result.findings:
        found[finding.resource.rsplit("/", 1)[-1]].add(finding.check)
    assert not result.errors
    return found


def only(check: str, *roles: dict[str, Any], settings: CheckSettings | None = None) -> dict[str, bool]:
    return {name: check in checks for name, checks in findings_for(*roles, settings=settings).items()}


def test_cross_account_without_mfa_or_external_id() -> None:
    verdict = only(
        "cross-account-without-mfa-or-external-id",
        role("open", trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"}))),
        role("external-id", trust(allow({"AWS": OUTSIDER}, condition=external_id("a1b2c3d4e5")))),
        role("mfa", trust(allow({"AWS": OUTSIDER}, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))),
        role("mfa-if-exists", trust(allow({"AWS": OUTSIDER},
                                          condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}))),
        role("same-account", trust(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))),
        role("org-member", trust(allow({"AWS": f"arn:aws:iam::{MEMBER}:role/Auditor"}))),
    )
    assert verdict == {"open": True, "external-id": False, "mfa": False, "mfa-if-exists": True,
                       "same-account": False, "org-member": True}


def test_public_trust_and_its_org_confined_twin() -> None:
    verdict = only(
        "public-trust",
        role("star", trust(allow("*"))),
        role("aws-star-external-id", trust(allow({"AWS": "*"}, condition=external_id("x" * 20)))),
        role("org", trust(allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG.org_id}}))),
    )
    assert verdict == {"star": True, "aws-star-external-id": True, "org": False}


def test_oidc_trust_without_subject() -> None:
    aud = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    pinned = {**aud, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}
    wildcard = {**aud, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}
    action = "sts:AssumeRoleWithWebIdentity"
    verdict = only(
        "oidc-trust-without-subject",
        role("aud-only", trust(allow({"Federated": GITHUB}, action, aud))),
        role("any-repo", trust(allow({"Federated": GITHUB}, action, wildcard))),
        role("pinned", trust(allow({"Federated": GITHUB}, action, pinned))),
    )
    assert verdict == {"aud-only": True, "any-repo": True, "pinned": False}


def test_saml_trust_without_audience() -> None:
    okta = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
    verdict = only(
        "saml-trust-without-audience",
        role("no-aud", trust(allow({"Federated": okta}, "sts:AssumeRoleWithSAML"))),
        role("aud", trust(allow({"Federated": okta}, "sts:AssumeRoleWithSAML",
                                {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}))),
    )
    assert verdict == {"no-aud": True, "aud": False}


def test_service_trust_without_source_condition() -> None:
    verdict = only(
        "service-trust-without-source-condition",
        role("config", trust(allow({"Service": "config.amazonaws.com"}))),
        role("config-pinned", trust(allow({"Service": "config.amazonaws.com"},
                                          condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}))),
        role("ec2", trust(allow({"Service": "ec2.amazonaws.com"}))),
        role("AWSServiceRoleForConfig", trust(allow({"Service": "config.amazonaws.com"})),
             path="/aws-service-role/config.amazonaws.com/"),
    )
    assert verdict == {"config": True, "config-pinned": False, "ec2": False, "AWSServiceRoleForConfig": False}


@pytest.mark.parametrize(
    ("operator", "value", "weak"),
    [
        ("StringEquals", "1234", True),
        ("StringEquals", OUTSIDER, True),
        ("StringLike", "*", True),
        ("StringLike", "prefix-*", True),
        ("StringEquals", "b6f1c0de-5c2e-4f7a-9d7e-2a1f0c3b4d5e", False),
        ("StringEquals", "literal*star-0123456", False),  # StringEquals reads * as a character
        # the catalogue's minimum, 16: the length `rolescope fix` requires, so a fixed policy passes
        ("StringEquals", "vendor-id-12345", True),
        ("StringEquals", "vendor-id-123456", False),
    ],
)
def test_weak_external_id(operator: str, value: str, weak: bool) -> None:
    verdict = only("weak-external-id",
                   role("vendor", trust(allow({"AWS": OUTSIDER}, condition={operator: {"sts:ExternalId": value}}))))
    assert verdict == {"vendor": weak}


def test_trust_to_deleted_principal() -> None:
    verdict = only(
        "trust-to-deleted-principal",
        role("stale", trust(allow({"AWS": ["AROA3XFRBF23KDKJ5VXYZ", f"arn:aws:iam::{MEMBER}:role/Live"]}))),
        role("live", trust(allow({"AWS": f"arn:aws:iam::{MEMBER}:role/Live"}))),
    )
    assert verdict == {"stale": True, "live": False}


def test_privileged_cross_account_role_severity_follows_the_guard() -> None:
    snapshot = parse_gaad(gaad(
        role("admin-open", trust(allow({"AWS": OUTSIDER})), managed=("AdministratorAccess",)),
        role("admin-guarded", trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "z" * 24}})),
             inline=ADMIN_INLINE),
        role("iam-star", trust(allow({"AWS": MEMBER})), inline={"p": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:*"], "Resource": "*"}]}}),
        role("readonly", trust(allow({"AWS": OUTSIDER})), managed=("ReadOnlyAccess",)),
        role("admin-internal", trust(allow({"AWS": ACCOUNT})), managed=("AdministratorAccess",)),
    ), "t.json")
    result = scan_snapshots([snapshot], CheckSettings(organization=ORG, now=NOW))
    found = {f.resource.rsplit("/", 1)[-1]: f for f in result.findings if f.check == "privileged-cross-account-role"}
    assert {name: f.severity for name, f in found.items()} == {"admin-open": "high", "admin-guarded": "medium",
                                                               "iam-star": "high"}
    # the catalogue says high; the guarded role's medium is an explicit override that says why
    assert found["admin-open"].overridden is None
    assert found["admin-guarded"].overridden == OverriddenSeverity(
        "high", "lowered: every outside request must carry MFA or an ExternalId")


def test_trust_to_account_outside_organization_names_vendors() -> None:
    datadog = "464622532012"
    snapshot = parse_gaad(gaad(
        role("datadog", trust(allow({"AWS": datadog}, condition={"StringEquals": {"sts:ExternalId": "q" * 32}}))),
        role("stranger", trust(allow({"AWS": OUTSIDER}))),
        role("member", trust(allow({"AWS": MEMBER}))),
        role("trusted", trust(allow({"AWS": "123456789012"}))),
    ), "t.json")
    settings = CheckSettings(organization=ORG, now=NOW, trusted_accounts=frozenset({"123456789012"}))
    found = {f.resource.rsplit("/", 1)[-1]: f for f in scan_snapshots([snapshot], settings).findings
             if f.check == "trust-to-account-outside-organization"}
    assert set(found) == {"datadog", "stranger"}
    assert found["datadog"].evidence["vendors"] == {datadog: "Datadog"}
    assert found["stranger"].evidence["unknown_accounts"] == [OUTSIDER]


def test_long_session_cross_account_role() -> None:
    verdict = only(
        "long-session-cross-account-role",
        role("long", trust(allow({"AWS": OUTSIDER})), max_session=43200),
        role("hour", trust(allow({"AWS": OUTSIDER})), max_session=3600),
        role("long-internal", trust(allow({"Service": "ec2.amazonaws.com"})), max_session=43200),
    )
    assert verdict == {"long": True, "hour": False, "long-internal": False}


def test_unused_cross_account_role_respects_unused_days() -> None:
    roles = (
        role("idle", trust(allow({"AWS": OUTSIDER})), last_used="2026-05-01T00:00:00+00:00"),
        role("never", trust(allow({"AWS": OUTSIDER})), last_used=None, created="2025-01-01T00:00:00+00:00"),
        role("new", trust(allow({"AWS": OUTSIDER})), last_used=None, created="2026-11-20T00:00:00+00:00"),
        role("busy", trust(allow({"AWS": OUTSIDER})), last_used="2026-11-22T00:00:00+00:00"),
    )
    assert only("unused-cross-account-role", *roles) == {"idle": True, "never": True, "new": False, "busy": False}
    lenient = CheckSettings(organization=ORG, now=NOW, unused_days=365)
    assert only("unused-cross-account-role", *roles, settings=lenient)["idle"] is False


def test_a_check_that_raises_becomes_an_error_record_not_a_crashed_scan() -> None:
    def broken(_: object) -> list[Finding]:
        raise RuntimeError("boom")

    checks = (*CHECKS, RegisteredCheck("broken", broken, False))
    snapshot = parse_gaad(gaad(role("open", trust(allow({"AWS": OUTSIDER}))), role("two", trust(allow("*")))), "t.json")
    result = scan_snapshots([snapshot], CheckSettings(organization=ORG, now=NOW), checks)
    assert {e.resource.rsplit("/", 1)[-1] for e in result.errors} == {"open", "two"}
    assert all(e.check == "broken" and "boom" in e.error for e in result.errors)
    assert {f.check for f in result.findings} >= {"cross-account-without-mfa-or-external-id", "public-trust"}


def test_findings_carry_evidence_with_paths_and_requirements() -> None:
    snapshot = parse_gaad(gaad(role("two-paths", trust(
        allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "k" * 16}}, sid="Vendor"),
        allow({"AWS": MEMBER}, sid="Member"),
    ))), "t.json")
    result = scan_snapshots([snapshot], CheckSettings(organization=ORG, now=NOW))
    (finding,) = [f for f in result.findings if f.check == "cross-account-without-mfa-or-external-id"]
    assert finding.statement == 1
    paths = {p["sid"]: p for p in finding.evidence["paths"]}
    assert paths["Vendor"]["requires"] == ["external_id"] and paths["Vendor"]["guarded"] is True
    assert paths["Member"]["requires"] == [] and paths["Member"]["guarded"] is False
    assert finding.evidence["outside_principals"] == [f"arn:aws:iam::{MEMBER}:root"]


def test_unused_role_message_says_the_idle_time_once() -> None:
    snapshot = parse_gaad(gaad(role("idle", trust(allow({"AWS": OUTSIDER})), last_used="2026-05-01T00:00:00+00:00")),
                          "test.json")
    result = scan_snapshots([snapshot], CheckSettings(organization=ORG, now=NOW, unused_days=1))
    [finding] = [f for f in result.findings if f.check == "unused-cross-account-role"]
    idle = (NOW - datetime(2026, 5, 1, tzinfo=UTC)).days
    assert finding.message == (f"idle is assumable from other accounts and has not been used for {idle} days "
                               "(last used 2026-05-01); the limit is 1 day: remove it or its outside trust.")


@pytest.mark.parametrize(("pattern", "accepted"), [("example@*@stack-a@*", True), ("*@*@*@write", False),
                                                   ("*", False)])
def test_external_id_patterns_judged_by_what_they_fix(pattern: str, accepted: bool) -> None:
    """Spacelift's ExternalId is <account>@<integration>@<stack>@<read|write>; its docs recommend
    patterns like ``example@*@stack-a@*``. A pattern that fixes the customer satisfies D9.AWS.IAM.99 and
    is a low weak-external-id finding; one that fixes only shared parts fails D9 and stays medium."""
    snapshot = parse_gaad(gaad(role("spacelift", trust(allow(
        {"AWS": OUTSIDER}, condition={"StringLike": {"sts:ExternalId": pattern}})))), "test.json")
    findings = scan_snapshots([snapshot], CheckSettings(organization=ORG, now=NOW)).findings
    by_check = {f.check: f for f in findings}
    assert ("cross-account-without-mfa-or-external-id" in by_check) is not accepted
    weak = by_check["weak-external-id"]
    assert weak.severity == ("low" if accepted else "medium")
    assert (weak.overridden is not None) is accepted


def test_the_external_id_pattern_minimum_is_a_setting() -> None:
    spacelift = role("spacelift", trust(allow({"AWS": OUTSIDER},
                                              condition={"StringLike": {"sts:ExternalId": "example@*@stack-a@*"}})))
    strict = CheckSettings(organization=ORG, now=NOW, min_external_id_pattern_literals=14)
    assert only("cross-account-without-mfa-or-external-id", spacelift, settings=strict) == {"spacelift": True}
    assert only("cross-account-without-mfa-or-external-id", spacelift) == {"spacelift": False}


def test_not_principal_without_session() -> None:
    auditor = f"arn:aws:iam::{OUTSIDER}:role/Auditor"
    session = f"arn:aws:sts::{OUTSIDER}:assumed-role/Auditor/audit-app"

    def deny_all_but(*names: str) -> dict[str, Any]:
        return {"Effect": "Deny", "NotPrincipal": {"AWS": list(names)}, "Action": "sts:AssumeRole"}

    verdict = only(
        "not-principal-without-session",
        role("role-only", trust(allow({"AWS": auditor}), deny_all_but(auditor))),
        role("account-only", trust(allow({"AWS": OUTSIDER}), deny_all_but(f"arn:aws:iam::{OUTSIDER}:root"))),
        # the IAM guide's example: the session, its role and its account
        role("guide", trust(allow({"AWS": auditor}), deny_all_but(session, auditor, f"arn:aws:iam::{OUTSIDER}:root"))),
        # nothing allows the role: the Deny shuts nobody out that would have got in
        role("not-allowed", trust(allow({"AWS": f"arn:aws:iam::{MEMBER}:role/Other"}), deny_all_but(auditor))),
    )
    assert verdict == {"role-only": True, "account-only": True, "guide": False, "not-allowed": False}
