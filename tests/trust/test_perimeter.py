"""The data perimeter in the verdicts: RCPs of the role's account at every level, with AWS's exemptions.

The organisation (tests/perimeter_org.py) follows the AWS data-perimeter RCP examples: deny
``sts:AssumeRole*`` unless the caller is in the organisation (``aws:PrincipalOrgID``), a listed vendor
account excepted (``aws:PrincipalAccount``) and roles tagged ``dp:exclude:identity`` left out
(``aws:ResourceTag``), service principals exempt (``aws:PrincipalIsAWSService``); and the vendor must
present an ExternalId (``sts:ExternalId``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.factories import gaad, role, trust
from tests.perimeter_org import MANAGEMENT, OUTSIDER, PROD, PROD_OU, RCP_ID, SANDBOX, VENDOR, organization

from rolescope.inventory.gaad import parse_gaad
from rolescope.inventory.model import Organization
from rolescope.policy.evaluate import evaluate
from rolescope.policy.model import PrincipalType
from rolescope.policy.request import Caller, Request
from rolescope.scanner import TrustCache, analyse_role
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.perimeter_verdict import PerimeterStatus, PerimeterVerdict
from rolescope.trust.witness import Scope, Zone

ORG = organization()


def allow(principal: Any, condition: dict[str, Any] | None = None, action: str = "sts:AssumeRole") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


def judge(policy: dict[str, Any], account: str = PROD, *, path: str = "/", tags: dict[str, str] | None = None,
          org: Organization = ORG) -> tuple[TrustAnalysis, PerimeterVerdict | None]:
    item = role("Target", policy, account, path=path)
    item["Tags"] = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    snapshot = parse_gaad(gaad(item), "test", account)
    zone = Zone(account, "aws", org.org_id, org.account_ids)
    return analyse_role(snapshot.roles[0], zone, org, TrustCache())


def test_rcp_closes_an_outsider_the_trust_policy_admits() -> None:
    analysis, verdict = judge(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})))
    assert not analysis.cross_account and not analysis.outside_accounts
    assert verdict is not None and verdict.status is PerimeterStatus.CLOSES
    closing = verdict.evidence()["closed_by"]
    assert {c["policy_id"] for c in closing} == {RCP_ID}
    assert closing[0]["attached_to"] == PROD_OU and closing[0]["statement"] == "Statement[0] (EnforceOrgIdentities)"


def test_the_vendor_gets_in_only_through_the_exception_and_only_with_an_external_id() -> None:
    analysis, verdict = judge(trust(allow({"AWS": f"arn:aws:iam::{VENDOR}:root"})))
    assert analysis.cross_account and analysis.outside_accounts == (VENDOR,)
    (path,) = [p for p in analysis.paths if p.scope is Scope.CROSS_ACCOUNT]
    # the RCP, not the trust policy, asks for an ExternalId: any will do, so it is no secret
    assert path.example is not None and path.example.context.get("sts:externalid")
    assert analysis.mfa_or_external_id_required is False
    assert verdict is not None and verdict.status is PerimeterStatus.EXCEPTION
    assert {e["policy_id"] for e in verdict.evidence()["exceptions"]} == {RCP_ID}


def test_an_ou_without_the_rcp_is_not_covered() -> None:
    analysis, verdict = judge(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})), SANDBOX)
    assert analysis.cross_account
    assert verdict is not None and verdict.status is PerimeterStatus.NOT_COVERED
    assert verdict.considered == ("p-RCPFullAWSAccess",)


def test_members_of_the_organisation_still_get_in() -> None:
    analysis, verdict = judge(trust(allow({"AWS": f"arn:aws:iam::{SANDBOX}:root"})))
    assert analysis.cross_account and analysis.outside_accounts == (SANDBOX,)
    assert verdict is not None and verdict.status is PerimeterStatus.ENFORCED  # it stops nobody the trust admits


def test_rcps_do_not_apply_to_the_management_account() -> None:
    analysis, verdict = judge(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})), MANAGEMENT,
                              org=organization(rcp_targets=("r-ab12",)))
    assert analysis.cross_account
    assert verdict is not None and verdict.status is PerimeterStatus.EXEMPT
    assert "management account" in (verdict.reason or "")


def test_rcps_do_not_apply_to_service_linked_roles() -> None:
    analysis, verdict = judge(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})),
                              path="/aws-service-role/ops.amazonaws.com/")
    assert analysis.cross_account
    assert verdict is not None and verdict.status is PerimeterStatus.EXEMPT


def test_rcps_do_not_apply_to_service_principals() -> None:
    analysis, _ = judge(trust(allow({"Service": "ec2.amazonaws.com"})))
    assert [p.scope for p in analysis.paths] == [Scope.SERVICE]


def test_a_role_tagged_out_of_the_perimeter_is_open_to_the_outsider() -> None:
    analysis, verdict = judge(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})),
                              tags={"dp:exclude:identity": "true"})
    assert analysis.outside_accounts == (OUTSIDER,)
    # the vendor statement still covers the role but stops nobody; the org-only statement leaves it out
    assert verdict is not None and verdict.status is PerimeterStatus.ENFORCED and not verdict.exceptions
    assert [(p.policy_id, s.sid) for p, s in verdict.gaps] == [(RCP_ID, "EnforceOrgIdentities")]


def test_an_rcp_requiring_mfa_makes_every_outside_way_in_need_mfa() -> None:
    mfa_rcp = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{PROD}:role/*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
    org = _with_rcp(mfa_rcp)
    analysis, _ = judge(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})), org=org)
    assert analysis.cross_account and analysis.mfa_or_external_id_required is True
    (path,) = analysis.paths
    assert "mfa" in path.requires
    other, _ = judge(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})), SANDBOX, org=org)
    assert other.mfa_or_external_id_required is False  # the Resource names only PROD's roles


def _with_rcp(document: dict[str, Any], targets: tuple[str, ...] = ("r-ab12",)) -> Organization:
    from dataclasses import replace

    from rolescope.inventory.model import OrgPolicy
    from rolescope.policy.control import ControlKind, parse_control_policy

    extra = OrgPolicy("p-extrarcp01", "extra", parse_control_policy(document, ControlKind.RCP), targets)
    base = organization()
    return replace(base, policies=(*[p for p in base.policies if p.policy_id != RCP_ID], extra))


_TRUSTS = [
    trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"})),
    trust(allow({"AWS": f"arn:aws:iam::{VENDOR}:root"}, {"StringEquals": {"sts:ExternalId": "abc123XYZ"}})),
    trust(allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}})),
    trust(allow({"AWS": "*"})),
    trust(allow({"AWS": [f"arn:aws:iam::{SANDBOX}:root", f"arn:aws:iam::{OUTSIDER}:role/ci"]}),
          allow({"Service": "lambda.amazonaws.com"})),
]
_CONDITIONS = [
    {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorg1"}},
    {"StringNotEquals": {"aws:PrincipalAccount": [VENDOR, SANDBOX]}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"Null": {"sts:ExternalId": "true"}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}},
    {"StringNotEqualsIfExists": {"aws:ResourceTag/team": "blue"}},
]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(_TRUSTS), st.lists(st.sampled_from(_CONDITIONS), min_size=0, max_size=2),
       st.sampled_from(["*", f"arn:aws:iam::{PROD}:role/*", "arn:aws:iam::*:role/other"]))
def test_a_deny_only_rcp_never_widens_access(policy: dict[str, Any], conditions: list[dict[str, Any]],
                                             resource: str) -> None:
    condition: dict[str, Any] = {}
    for block in conditions:
        for operator, entries in block.items():
            condition.setdefault(operator, {}).update(entries)
    rcp: dict[str, Any] = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": resource}
    if condition:
        rcp["Condition"] = condition
    alone, _ = judge(policy, org=_with_rcp({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}))
    narrowed, _ = judge(policy, org=_with_rcp({"Version": "2012-10-17", "Statement": [rcp]}))
    # every request the perimeter lets through, the trust policy alone allows (naming an account in the
    # RCP may list it among the outside accounts, but only as one the trust already admitted)
    for path in narrowed.paths:
        assert path.example is not None and evaluate(alone.policy, path.example).allowed
    assert narrowed.cross_account <= alone.cross_account and narrowed.public <= alone.public
    assert {(p.statement, p.scope) for p in narrowed.paths} <= {(p.statement, p.scope) for p in alone.paths}


_ORG_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorg1"}}}]}
# AWS's data-perimeter example (resource_control_policies/identity_perimeter_rcp.json): services act for
# the organisation's resources only
_CONFUSED_DEPUTY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "EnforceConfusedDeputyProtection", "Effect": "Deny", "Principal": "*", "Action": "sts:*",
     "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-exampleorg1"},
                                    "Null": {"aws:SourceAccount": "false"},
                                    "Bool": {"aws:PrincipalIsAWSService": "true"}}}]}


def test_rcps_apply_to_service_principals_unless_they_leave_them_out() -> None:
    service = trust(allow({"Service": "backup.amazonaws.com"}))
    analysis, verdict = judge(service, org=_with_rcp(_ORG_ONLY))
    assert analysis.paths == () and verdict is not None and verdict.status is PerimeterStatus.NARROWS
    kept, _ = judge(service)  # the fixture's RCP says BoolIfExists aws:PrincipalIsAWSService false
    assert [p.scope for p in kept.paths] == [Scope.SERVICE] and kept.paths[0].requires == ()
    confined, _ = judge(service, org=_with_rcp(_CONFUSED_DEPUTY))
    (path,) = confined.paths
    assert path.example is not None
    assert path.example.context.get("aws:sourceorgid") in (None, ("o-exampleorg1",))
    backup = Caller(PrincipalType.SERVICE, "backup.amazonaws.com")
    on_behalf = {"aws:principalisawsservice": ("true",), "aws:sourceaccount": (OUTSIDER,)}
    assert not evaluate(confined.policy, Request(backup, "sts:AssumeRole", {
        **on_behalf, "aws:sourceorgid": ("o-someoneelse",)})).allowed
    assert evaluate(confined.policy, Request(backup, "sts:AssumeRole", {
        **on_behalf, "aws:sourceorgid": ("o-exampleorg1",)})).allowed
