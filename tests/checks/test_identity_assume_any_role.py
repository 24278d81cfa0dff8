"""identity-assume-any-role: the trusted side's identity policies, for roles and users (with their groups)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.factories import ACCOUNT, MEMBER, OUTSIDER, allow, gaad, organization, role, trust, user

from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import Finding, OverriddenSeverity
from rolescope.checks.identity_assume_any_role import CHECK_ID, LONG_TERM_WITHOUT_MFA, requires_mfa
from rolescope.checks.registry import RegisteredAccountCheck, run_account_checks
from rolescope.inventory.files import parse_organization
from rolescope.inventory.gaad import parse_gaad
from rolescope.scanner import scan_snapshots

ORG = parse_organization(organization(ACCOUNT, MEMBER))
EC2 = trust(allow({"Service": "ec2.amazonaws.com"}))
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def assume(*resources: str, condition: dict[str, Any] | None = None, deny: tuple[str, ...] = ()) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(resources)}
    if condition:
        statement["Condition"] = condition
    statements = [statement]
    if deny:
        statements.append({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": list(deny)})
    return {"Version": "2012-10-17", "Statement": statements}


def findings(data: dict[str, Any], **settings: Any) -> dict[str, Finding]:
    snapshot = parse_gaad(data, "t.json")
    check = CheckSettings(organization=ORG, now=datetime(2026, 11, 23, tzinfo=UTC), **settings)
    return {f.resource.rsplit("/", 1)[-1]: f for f in scan_snapshots([snapshot], check).findings if f.check == CHECK_ID}


def test_a_role_with_administrator_access_may_assume_any_role() -> None:
    found = findings(gaad(role("admin", EC2, managed=("AdministratorAccess",)), role("plain", EC2)))
    assert set(found) == {"admin"}
    admin = found["admin"]
    assert (admin.severity, admin.overridden, admin.statement) == ("medium", None, None)
    assert admin.evidence["scope"] == "any-role" and admin.evidence["principal_type"] == "role"
    assert admin.evidence["allowing"][0]["policy"] == "AdministratorAccess (AWS managed)"
    assert "MFA" not in admin.message  # a role hands out sessions only: no long-term credentials


def test_a_user_without_mfa_is_raised_with_the_reason() -> None:
    found = findings(gaad(users=[user("ops", inline={"hop": assume("*")}),
                                 user("mfa", inline={"hop": assume("arn:aws:iam::*:role/*", condition=MFA)}),
                                 user("ifexists", inline={"hop": assume("*", condition={
                                     "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})})]))
    assert (found["ops"].severity, found["ops"].overridden) == (
        "high", OverriddenSeverity("medium", LONG_TERM_WITHOUT_MFA.reason))
    assert "no MFA condition in inline policy hop" in found["ops"].message
    assert (found["mfa"].severity, found["mfa"].overridden) == ("medium", None)
    assert found["mfa"].message.endswith("; MFA required.")
    assert found["ifexists"].severity == "high"  # keys carry no MFA key: IfExists lets them through


def test_group_policies_count_for_their_users() -> None:
    data = gaad(users=[user("dev")])
    data["UserDetailList"][0]["GroupList"] = ["ops"]
    data["GroupDetailList"] = [{"GroupName": "ops", "Arn": f"arn:aws:iam::{ACCOUNT}:group/ops", "Path": "/",
                                "GroupPolicyList": [{"PolicyName": "hop", "PolicyDocument": assume("*")}],
                                "AttachedManagedPolicies": []}]
    assert findings(data)["dev"].evidence["allowing"][0]["policy"] == "group ops: inline policy hop"


def test_roles_outside_the_organisation_are_reported_inside_are_not() -> None:
    outside, member = f"arn:aws:iam::{OUTSIDER}:role/x", f"arn:aws:iam::{MEMBER}:role/deploy"
    found = findings(gaad(role("ci", EC2, inline={"a": assume(outside, member)}),
                          role("inside", EC2, inline={"a": assume(member, f"arn:aws:iam::{MEMBER}:role/app-*")}),
                          role("pattern", EC2, inline={"a": assume(f"arn:aws:iam::{OUTSIDER}:role/app-*")})))
    assert set(found) == {"ci", "pattern"}
    assert found["ci"].evidence["outside_accounts"] == [OUTSIDER] and found["ci"].evidence["scope"] == \
        "outside-organization"
    assert f"roles in {OUTSIDER}, outside the organisation" in found["ci"].message
    # an account the user trusts is inside the zone of trust
    assert "ci" not in findings(gaad(role("ci", EC2, inline={"a": assume(outside)})),
                                trusted_accounts=frozenset({OUTSIDER}))


def test_a_deny_that_takes_it_back_leaves_nothing_to_report() -> None:
    found = findings(gaad(role("narrowed", EC2, inline={"a": assume("*", deny=("arn:aws:iam::*:role/*",))}),
                          role("half", EC2, inline={"a": assume("*", deny=(f"arn:aws:iam::{OUTSIDER}:role/*",))})))
    assert set(found) == {"half"}  # still any role of any other account


def test_the_mfa_reading() -> None:
    assert requires_mfa({"Condition": MFA})
    assert requires_mfa({"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}})
    assert not requires_mfa({"Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}})
    assert not requires_mfa({"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}})
    assert not requires_mfa({})


def test_a_failing_account_check_is_an_error_record_not_a_crash() -> None:
    def broken(snapshot: Any, settings: CheckSettings) -> list[Finding]:
        raise RuntimeError("boom")

    snapshot = parse_gaad(gaad(role("admin", EC2, managed=("AdministratorAccess",))), "t.json")
    found, errors = run_account_checks(snapshot, CheckSettings(), [RegisteredAccountCheck("x", broken)])
    assert found == [] and [(e.check, e.resource, e.error) for e in errors] == [
        ("x", f"account:{ACCOUNT}", "RuntimeError: boom")]


@pytest.mark.parametrize("check_ids", [("public-trust",), ()])
def test_left_out_when_not_asked_for(tmp_path: Any, check_ids: tuple[str, ...]) -> None:
    import json

    from rolescope.pipeline import ScanSettings, scan_files

    (tmp_path / "a.json").write_text(json.dumps(gaad(role("admin", EC2, ACCOUNT, managed=("AdministratorAccess",)))))
    run = scan_files([tmp_path], ScanSettings(check_ids=check_ids))
    assert not [f for f in run.document.findings if f.check == CHECK_ID]
    assert [f.check for f in scan_files([tmp_path], ScanSettings()).document.findings] == [CHECK_ID]
