"""Shared analyses (rolescope.trust.canonical) are exactly the analyses the search computes directly.

Every test analyses one policy through a :class:`TrustCache` that has already seen a renamed twin
(another own account, other ExternalIds / subjects / source ARNs), and compares everything the
analysis holds, examples included, with a direct :func:`analyse_trust`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from bench.generate import generate
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.policy.errors import PolicyError
from rolescope.policy.parse import parse_policy
from rolescope.scanner import TrustCache, zone_for
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.witness import Zone

PARTNER = "222222222222"
OWN_ACCOUNTS = ["111111111111", "123456789012", "555555555555", "000000000001", "999999999999", PARTNER]
VALUES = ["abc", "prod-7f3a9c", "repo:acme/api:ref:refs/heads/main", "system:serviceaccount:apps:api",
          "arn:aws:lambda:us-east-1:{own}:function:f", "a:b", "", "x*", "${aws:username}", "o-aaa", "{own}",
          "https://signin.aws.amazon.com/saml", "sts.amazonaws.com", "arn:aws:s3:::bucket"]
EKS = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
GITHUB = "token.actions.githubusercontent.com"
PRINCIPALS = [
    {"AWS": "arn:aws:iam::{own}:root"}, {"AWS": "{own}"}, {"AWS": f"arn:aws:iam::{PARTNER}:root"},
    {"AWS": "arn:aws:iam::333333333333:role/deployer"}, {"AWS": "*"}, "*", {"AWS": "arn:aws:iam::{own}:role/app"},
    {"Service": "lambda.amazonaws.com"}, {"Federated": f"arn:aws:iam::{{own}}:oidc-provider/{EKS}"},
    {"Federated": f"arn:aws:iam::{{own}}:oidc-provider/{GITHUB}"},
    {"Federated": "arn:aws:iam::{own}:saml-provider/Okta"},
    {"AWS": ["arn:aws:iam::{own}:root", "arn:aws:iam::444444444444:root"]},
]
ACTIONS = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "sts:*",
           ["sts:AssumeRole", "sts:TagSession"]]
OPERATORS = ["StringEquals", "StringNotEquals", "StringLike", "StringEqualsIfExists", "ArnLike", "ArnEquals",
             "ArnNotLike", "StringEqualsIgnoreCase", "ForAnyValue:StringEquals"]
KEYS = ["sts:ExternalId", "aws:SourceArn", "aws:SourceAccount", f"{EKS}:sub", f"{GITHUB}:sub", f"{GITHUB}:aud",
        "SAML:aud", "aws:PrincipalOrgID", "aws:PrincipalArn", "aws:SourceIp"]


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    """A trust policy with ``{own}`` for the role's account and ``{v0}``/``{v1}`` for renameable values."""
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        statement: dict[str, Any] = {
            "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
            "Principal": draw(st.sampled_from(PRINCIPALS)),
            "Action": draw(st.sampled_from(ACTIONS)),
        }
        conditions: dict[str, dict[str, Any]] = {}
        for _ in range(draw(st.integers(0, 3))):
            key = draw(st.sampled_from(KEYS))
            if key == "aws:SourceIp":
                conditions.setdefault("NotIpAddress", {})[key] = "10.0.0.0/8"
                continue
            if draw(st.integers(0, 5)) == 0:
                conditions.setdefault("Null", {})[key] = draw(st.sampled_from(["true", "false"]))
                continue
            operator = draw(st.sampled_from(OPERATORS))
            value = draw(st.sampled_from(["{v0}", "{v1}", "{own}", "arn:aws:lambda:us-east-1:{own}:function:{v0}",
                                          "literal-value", "pre-*"]))
            conditions.setdefault(operator, {})[key] = value
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def fill(template: dict[str, Any], own: str, values: list[str]) -> dict[str, Any]:
    text = json.dumps(template).replace("{v0}", values[0]).replace("{v1}", values[1])
    return json.loads(text.replace("{own}", own))


def facts(analysis: TrustAnalysis) -> Any:
    """Everything the analysis holds, examples (which do not take part in ==) included."""
    def convert(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: convert(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "policy"}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        if isinstance(value, frozenset):
            return sorted(map(repr, value))
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value
    return convert(analysis)


def zone(account: str, org: bool, members: tuple[str, ...]) -> Zone:
    if not org:
        return Zone(account)
    return Zone(account, "aws", "o-aaa", frozenset({account, *members}))


@given(
    template=templates(),
    first=st.sampled_from(OWN_ACCOUNTS), second=st.sampled_from(OWN_ACCOUNTS),
    values=st.lists(st.sampled_from(VALUES), min_size=4, max_size=4),
    org=st.booleans(), members=st.sampled_from([(), (PARTNER,), tuple(OWN_ACCOUNTS), ("000000000000",)]),
)
def test_a_renamed_analysis_is_the_direct_one(template: dict[str, Any], first: str, second: str, values: list[str],
                                              org: bool, members: tuple[str, ...]) -> None:
    seen = fill(template, first, [v.replace("{own}", first) for v in values[:2]])
    asked = fill(template, second, [v.replace("{own}", second) for v in values[2:]])
    note(json.dumps(seen))
    note(json.dumps(asked))
    try:
        parse_policy(seen)
        policy = parse_policy(asked)
    except PolicyError:
        assume(False)
        return
    members = (*members, first, second) if org else members
    cache = TrustCache()
    cache.analyse(seen, zone(first, org, members))
    shared = cache.analyse(asked, zone(second, org, members))
    direct = analyse_trust(policy, zone(second, org, members))
    event("renamed" if cache.stats["renamed"] else "searched")
    assert facts(shared) == facts(direct)
    assert shared.policy == policy


def test_templates_stamped_into_many_accounts_are_searched_once() -> None:
    cache = TrustCache()
    accounts = ("111111111111", "123456789012", "555555555555")
    org = (*accounts, "000000000100")  # the search tries one other member: the same one for each
    for account in accounts:
        for function in ("orders", "billing", "search"):
            cache.analyse({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account},
                              "ArnLike": {"aws:SourceArn": f"arn:aws:lambda:us-east-1:{account}:function:{function}"}},
            }]}, Zone(account, "aws", "o-aaa", frozenset(org)))
    assert cache.stats["analysed"] == 1
    assert cache.stats["renamed"] == 8


def test_a_generated_organisation_scans_the_same_shared_or_not(tmp_path: Path) -> None:
    generate(tmp_path, roles=600, accounts=6, seed=11)
    snapshots, failures, organizations = load_snapshots([tmp_path])
    assert not failures
    organization = merge_organizations(organizations)
    shared, direct = TrustCache(), TrustCache(share=False)
    for snapshot in snapshots:
        where = zone_for(snapshot, organization)
        for role in snapshot.roles:
            assert facts(shared.analyse(role.trust_policy, where)) == facts(direct.analyse(role.trust_policy, where))
    assert shared.stats["analysed"] < 0.75 * direct.stats["analysed"]


RENAMEABLE_VALUES = ["abc", "prod-7f3a9c", "repo:acme/api:ref:refs/heads/main", "system:serviceaccount:apps:api",
                     "arn:aws:lambda:us-east-1:{own}:function:f", "sts.amazonaws.com", "arn:aws:s3:::bucket"]


@given(
    template=templates(),
    accounts=st.lists(st.sampled_from(["111111111111", "123456789012", "555555555555", "777777777777"]),
                      min_size=2, max_size=2, unique=True),
    values=st.lists(st.sampled_from(RENAMEABLE_VALUES), min_size=4, max_size=4),
)
def test_twins_in_one_organisation_share_and_agree(template: dict[str, Any], accounts: list[str],
                                                    values: list[str]) -> None:
    first, second = accounts
    members = ("000000000100", first, second, PARTNER)
    seen = fill(template, first, [v.replace("{own}", first) for v in values[:2]])
    asked = fill(template, second, [v.replace("{own}", second) for v in values[2:]])
    note(json.dumps(asked))
    try:
        parse_policy(seen)
        policy = parse_policy(asked)
    except PolicyError:
        assume(False)
        return
    cache = TrustCache()
    cache.analyse(seen, zone(first, True, members))
    shared = cache.analyse(asked, zone(second, True, members))
    event("renamed" if cache.stats["renamed"] else "searched")
    assert facts(shared) == facts(analyse_trust(policy, zone(second, True, members)))
