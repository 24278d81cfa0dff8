"""Admissions (built without knowing the principals, searching only what the policy singles out) agree
with statement_admitting, principal by principal."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st

from rolescope.policy.errors import PolicyError
from rolescope.policy.glob import LITERAL_QUESTION, LITERAL_STAR, arn_match, glob_match
from rolescope.policy.parse import parse_policy
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.graph_model import NodeKind
from rolescope.trust.reach import Admitter, fresh_principal, singled_out, statement_admitting
from rolescope.trust.witness import Scope, Zone

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


def _index(arn: str, policy: Any, zone: Zone) -> int | None:
    found = statement_admitting(policy, zone, arn)
    return None if found is None else found.index


@given(document=policies(), org=st.booleans(), order=st.permutations(CANDIDATES))
def test_account_admissions_match_the_search_for_every_principal(document: dict[str, Any], org: bool,
                                                                 order: list[str]) -> None:
    try:
        policy = parse_policy(document)
    except PolicyError:
        assume(False)
        return
    zone = Zone(HOME, "aws", "o-aaa", frozenset({HOME, PARTNER})) if org else Zone(HOME)
    analysis = analyse_trust(policy, zone)
    admitter = Admitter(analysis)
    # The graph asks an account's admission only of the accounts whose root a path names.
    trusted = {p.split(":")[4] for path in analysis.paths for p in path.principals if p.endswith(":root")}
    for arn in order:
        account = arn.split(":")[4]
        if account not in trusted:
            continue
        kind = NodeKind.USER if ":user/" in arn else NodeKind.ROLE
        way = admitter.account(account).way_for(arn, kind, account)
        assert (None if way is None else way.statement) == _index(arn, policy, zone), arn
        # asked again (the graph asks once per role sharing the policy): the answer it remembered
        assert admitter.account(account).way_for(arn, kind, account) == way, arn


ORG_STATEMENT = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-aaa"}}}


@st.composite
def organization_policies(draw: st.DrawFn) -> dict[str, Any]:
    """A policy with a statement admitting the organisation, among others that may narrow it."""
    document = draw(policies())
    statements = document["Statement"]
    statements.insert(draw(st.integers(0, len(statements))), ORG_STATEMENT)
    return document


@given(document=organization_policies(), order=st.permutations(CANDIDATES))
def test_organization_admissions_match_the_search_for_members(document: dict[str, Any], order: list[str]) -> None:
    try:
        policy = parse_policy(document)
    except PolicyError:
        assume(False)
        return
    zone = Zone(HOME, "aws", "o-aaa", frozenset({HOME, PARTNER, OTHER, "444444444444"}))
    analysis = analyse_trust(policy, zone)
    path = next((p for p in analysis.paths if p.scope is Scope.CROSS_ACCOUNT and "*" in p.principals
                 and not p.public and "org" in p.requires), None)
    assume(path is not None)
    assert path is not None
    ways = Admitter(analysis)
    admission = ways.organization(ways.ways[(path.statement, path.scope.value)])
    for arn in order:
        account = arn.split(":")[4]
        if account == HOME:
            continue  # the role's own account gets in through its own account's path
        kind = NodeKind.USER if ":user/" in arn else NodeKind.ROLE
        way = admission.way_for(arn, kind, account)
        first = _index(arn, policy, zone)
        # admitted alike; the organisation's edge names its own statement when an earlier one admits too
        assert (way is None) == (first is None), arn
        assert way is None or way.statement in (first, path.statement), arn


# Pattern and ARN pieces that meet at the shortcut's edges: case, wildcards in and before the account,
# the characters standing for a literal * or ?, non-ASCII letters that fold to ASCII (Kelvin sign, long s).
_PIECES = ["arn", ":", "aws", "iam", "", PARTNER, "role/", "user/", "Ops", "ops", "OPS", "*", "?", "/",
           LITERAL_STAR, LITERAL_QUESTION, "\u212a", "\u017f", "k", "K", "s", "aws-reserved/sso.amazonaws.com/"]
_ARN_START = ["arn:aws:iam::", f"arn:aws:iam::{PARTNER}:", f"arn:aws:iam::{PARTNER}:role/", ""]


@st.composite
def _near_misses(draw: st.DrawFn) -> tuple[tuple[str, ...], str]:
    """Patterns, and an ARN made from the first of them with pieces re-cased or swapped: near the match."""
    pieces = [draw(st.sampled_from(_ARN_START)), *draw(st.lists(st.sampled_from(_PIECES), max_size=6))]
    others = draw(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), max_size=2))
    folded = {"s": "\u017f", "k": "\u212a"}  # letters that match s and k ignoring case, though not ASCII
    arn = [draw(st.sampled_from([p, p.upper(), p.lower(), "".join(folded.get(c, c) for c in p), *_PIECES]))
           for p in pieces]
    return ("".join(pieces), *others), "".join(arn)


@given(case=_near_misses(), kind=st.sampled_from([NodeKind.ROLE, NodeKind.USER]))
@example(case=(("arn:aws:iam::*",), "arn:aw\u017f:iam::1:role/a"), kind=NodeKind.ROLE)  # s and long s, ignoring case
@example(case=((f"arn:aws:iam::{PARTNER}:role/Ops*",), f"arn:aws:iam::{PARTNER}:role/ops"), kind=NodeKind.ROLE)
def test_singled_out_skips_only_patterns_that_cannot_match(case: tuple[tuple[str, ...], str], kind: NodeKind
                                                           ) -> None:
    patterns, arn = case
    # the definition, matching every pattern both ways with no shortcut
    parts = arn.split(":", 5)
    partition, account = (parts[1], parts[4]) if len(parts) == 6 else ("aws", "")
    fresh = fresh_principal(partition, account, kind)

    def matches(pattern: str, text: str) -> tuple[bool, bool, bool]:
        return glob_match(pattern, text), glob_match(pattern, text, ignore_case=True), arn_match(pattern, text)

    expected = any(matches(p, arn) != matches(p, fresh) for p in patterns)
    assert singled_out(patterns, arn, kind) == expected
