"""Admissions (one search per kind of principal a policy cannot tell apart) agrees with statement_admitting."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from rolescope.policy.errors import PolicyError
from rolescope.policy.parse import parse_policy
from rolescope.trust.reach import Admissions, statement_admitting
from rolescope.trust.witness import Zone

HOME, PARTNER, OTHER = "111111111111", "222222222222", "333333333333"
CANDIDATES = [f"arn:aws:iam::{account}:{kind}/{name}" for account in (PARTNER, OTHER, HOME)
              for kind in ("role", "user") for name in ("ops", "deploy", "team/alice")]
PRINCIPALS = ["*", PARTNER, f"arn:aws:iam::{PARTNER}:root", f"arn:aws:iam::{OTHER}:root",
              f"arn:aws:iam::{PARTNER}:role/ops", f"arn:aws:iam::{PARTNER}:user/team/alice",
              f"arn:aws:sts::{OTHER}:assumed-role/deploy/s1"]
CONDITIONS = [
    None,
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-aaa"}},
    {"StringEquals": {"aws:PrincipalAccount": PARTNER}},
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{PARTNER}:role/*"}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/team/*"}},
    {"StringEquals": {"sts:ExternalId": "abc123xyz"}},
    {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}},
]


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
                                     "Principal": {"AWS": draw(st.lists(st.sampled_from(PRINCIPALS), min_size=1,
                                                                        max_size=2, unique=True))},
                                     "Action": "sts:AssumeRole"}
        condition = draw(st.sampled_from(CONDITIONS))
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


@given(document=policies(), org=st.booleans(), order=st.permutations(CANDIDATES))
def test_admissions_match_the_search_for_every_principal(document: dict[str, Any], org: bool,
                                                         order: list[str]) -> None:
    try:
        policy = parse_policy(document)
    except PolicyError:
        assume(False)
        return
    zone = Zone(HOME, "aws", "o-aaa", frozenset({HOME, PARTNER})) if org else Zone(HOME)
    admissions = Admissions(policy, zone)
    for arn in order:
        assert admissions.statement_for(arn) == statement_admitting(policy, zone, arn), arn
