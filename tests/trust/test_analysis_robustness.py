"""Any policy the parser accepts can be analysed and evaluated: no operator, value or principal crashes it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rolescope.policy.evaluate import evaluate
from rolescope.policy.model import PolicyDocument
from rolescope.policy.operators import OPERATORS
from rolescope.policy.parse import parse_policy
from rolescope.policy.request import Request, caller_from_arn
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone

HOME, PARTNER = "111111111111", "222222222222"
GITHUB = f"arn:aws:iam::{HOME}:oidc-provider/token.actions.githubusercontent.com"
PRINCIPALS = [
    "*", {"AWS": "*"}, {"AWS": PARTNER}, {"AWS": f"arn:aws:iam::{HOME}:role/R"},
    {"AWS": f"arn:aws-cn:iam::{PARTNER}:user/U"}, {"AWS": f"arn:aws:sts::{PARTNER}:assumed-role/R/s"},
    {"AWS": f"arn:aws:sts::{PARTNER}:federated-user/F"}, {"AWS": "AROA1234567890EXAMPLE"},
    {"Service": ["ec2.amazonaws.com", "config.amazonaws.com"]}, {"Federated": GITHUB},
    {"Federated": f"arn:aws:iam::{HOME}:saml-provider/Okta"}, {"Federated": "accounts.google.com"},
    {"Federated": "cognito-identity.amazonaws.com"},
    {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
]
KEYS = ["sts:ExternalId", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths", "aws:PrincipalArn", "aws:PrincipalAccount", "aws:SourceIp", "aws:SourceAccount",
        "aws:SourceArn", "aws:CurrentTime", "aws:EpochTime", "SAML:aud", "token.actions.githubusercontent.com:sub",
        "token.actions.githubusercontent.com:aud", "accounts.google.com:aud", "aws:PrincipalTag/team",
        "sts:RoleSessionName",
        "aws:userid", "aws:TagKeys"]
VALUES = st.one_of(
    st.sampled_from([
        "true", "false", "0", "-1", "3600", "1e400", "1e20", "-1e20", "0.5", "nan", "inf", "1_000", "",
        "2024-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01", "2024-13-45", "1700000000",
        "10.0.0.0/8", "0.0.0.0/0", "::/0", "2001:db8::/32", "255.255.255.255", "10.0.0.0/33", "fe80::1%eth0",
        "*", "?", "**", "a*b?c", "arn:aws:iam::*:role/*", "arn:aws:iam::2222*:*", "arn:*:*:*:*:*", ":::::",
        f"arn:aws:iam::{PARTNER}:role/R", PARTNER, "o-abc123", "o-*", "repo:org/*", "repo:*",
        "${aws:username}", "${aws:PrincipalAccount}", "x-${aws:userid}-*", "${*}${?}${$}", "${aws:x, 'd'}", "${",
        "QmluYXJ5", "\ue000", "ünïcødé",
    ]),
    st.text(max_size=6),
    st.integers(),
    st.booleans(),
)
OPERATOR_NAMES = [name for name in OPERATORS if name != "Null"]


@st.composite
def operators(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return "Null"
    qualifier = draw(st.sampled_from(["", "", "", "ForAnyValue:", "ForAllValues:"]))
    return qualifier + draw(st.sampled_from(OPERATOR_NAMES)) + draw(st.sampled_from(["", "", "IfExists"]))


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Principal": draw(st.sampled_from(PRINCIPALS)),
        "Action": draw(st.sampled_from(["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML",
                                        "sts:*", "*"])),
    }
    condition: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, 4))):
        operator = draw(operators())
        values = draw(st.lists(VALUES, min_size=1, max_size=3))
        if operator in ("Null", "Bool", "BoolIfExists") or operator.endswith((":Bool", ":BoolIfExists")):
            values = [draw(st.sampled_from(["true", "false", True]))]
        condition.setdefault(operator, {})[draw(st.sampled_from(KEYS))] = values
    if condition:
        statement["Condition"] = condition
    return statement


@st.composite
def policies(draw: st.DrawFn) -> PolicyDocument:
    version = draw(st.sampled_from(["2012-10-17", "2008-10-17"]))
    return parse_policy({"Version": version, "Statement": draw(st.lists(statements(), min_size=1, max_size=3))})


ZONES = st.sampled_from([Zone(HOME), Zone(HOME, "aws-cn"), Zone(HOME, org_id="o-abc123"),
                         Zone(HOME, org_id="o-abc123", org_accounts=frozenset({HOME, "333333333333"}))])


@settings(max_examples=300)
@given(policies(), ZONES)
def test_analysis_never_crashes(policy: PolicyDocument, zone: Zone) -> None:
    analysis = analyse_trust(policy, zone)
    assert analysis.cross_account == any(p.scope.value == "cross-account" for p in analysis.paths)
    assert (analysis.mfa_or_external_id_required is None) == (not analysis.cross_account)


CALLERS = [caller_from_arn(text) for text in (
    PARTNER, f"arn:aws:iam::{HOME}:role/R", f"arn:aws:sts::{PARTNER}:assumed-role/R/s", "ec2.amazonaws.com",
    GITHUB, "accounts.google.com")]


@given(policies(), st.sampled_from(CALLERS), st.dictionaries(st.sampled_from([k.lower() for k in KEYS]),
                                                              st.lists(VALUES.map(str), min_size=1, max_size=2)
                                                              .map(tuple), max_size=5))
def test_evaluation_never_crashes(policy: PolicyDocument, caller: Any, context: dict[str, tuple[str, ...]]) -> None:
    decision = evaluate(policy, Request(caller, "sts:AssumeRole", context))
    assert decision.allowed in (True, False)
