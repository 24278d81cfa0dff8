"""The trust search against brute force, on random small trust policies.

Soundness: every request :func:`find_request` produces is one :func:`evaluate` allows.
Completeness: whenever a concrete, realistic request from outside the account gets in, the verdicts
say so (cross-account; public when the caller's account is one nobody named; not "MFA or ExternalId
required" when the request carries neither MFA nor an ExternalId the policy spells out).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from rolescope.policy.arn import parse_arn
from rolescope.policy.evaluate import evaluate, statement_covers
from rolescope.policy.model import Effect, PolicyDocument, PrincipalType
from rolescope.policy.parse import parse_policy
from rolescope.policy.qualifier import Qualifier
from rolescope.policy.request import Caller, Request
from rolescope.policy.request_time import TIME_KEYS, request_moment, time_keys
from rolescope.policy.values import as_epoch, variable_names
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.search import find_request
from rolescope.trust.witness import Scope, Zone, caller_witnesses, mentioned_accounts

HOME, PARTNER, OTHER = "111111111111", "222222222222", "333333333333"
UNNAMED = "222200001111"  # matches the "2222*" patterns, but no policy names it
FRESH_ACCOUNT = "444455556666"  # named nowhere, matched by nothing but full wildcards
ACCOUNTS = (HOME, PARTNER, OTHER, UNNAMED, FRESH_ACCOUNT)
NOBODY_NAMED = (UNNAMED, FRESH_ACCOUNT)

AWS_PRINCIPALS = [
    "*", HOME, PARTNER, f"arn:aws:iam::{PARTNER}:root", f"arn:aws:iam::{OTHER}:root", f"arn:aws:iam::{HOME}:root",
    f"arn:aws:iam::{PARTNER}:role/R1", f"arn:aws:iam::{HOME}:role/R1", f"arn:aws:iam::{PARTNER}:user/U1",
    f"arn:aws:sts::{PARTNER}:assumed-role/R1/s",
]
SERVICES = ["ec2.amazonaws.com", "lambda.amazonaws.com"]

STRING_OPS = ["StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
              "StringEqualsIfExists", "StringNotEqualsIfExists", "StringLikeIfExists", "StringNotLikeIfExists",
              "ForAnyValue:StringEquals", "ForAllValues:StringLike", "ForAnyValue:StringNotLike"]
ARN_OPS = ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "ArnLikeIfExists", "ArnNotLikeIfExists",
           "StringLike", "StringEquals", "StringNotLike"]
DATE_OPS = ["DateLessThan", "DateGreaterThan", "DateGreaterThanEquals", "DateLessThanEquals", "DateEquals",
            "DateNotEquals", "DateLessThanIfExists", "ForAnyValue:DateGreaterThan"]
CLOCK = 1796169600  # 2026-12-02T00:00:00Z: the scan's clock, when the zone has one
TIMES = ["2020-06-30T23:59:59Z", "2026-12-02T00:00:00Z", "2027-03-01", "1803859200", "2027-03-01T01:00:00+01:00",
         1900000000]
KEYS: dict[str, tuple[list[str], list[Any]]] = {
    "sts:ExternalId": (STRING_OPS, ["abc", "ABC", "ab*", "*", "x?z", "${aws:PrincipalAccount}", "x-${aws:username}",
                                    "${aws:username, 'abc'}"]),
    "sts:RoleSessionName": (["StringEquals", "StringLike", "StringNotEquals"],
                            ["${aws:username}", "ci-${aws:userid}*"]),
    "aws:MultiFactorAuthPresent": (["Bool", "BoolIfExists"], ["true", "false", True, False]),
    "aws:MultiFactorAuthAge": (["NumericLessThan", "NumericLessThanIfExists", "NumericGreaterThan"], ["3600", 60]),
    "aws:PrincipalOrgID": (STRING_OPS, ["o-aaa", "o-*", "o-bbb"]),
    "aws:PrincipalArn": (ARN_OPS, [f"arn:aws:iam::{PARTNER}:role/R1", f"arn:aws:iam::{HOME}:role/R1",
                                   "arn:aws:iam::*:role/R1", f"arn:aws:iam::{PARTNER}:*", f"arn:aws:iam::{HOME}:role/*",
                                   "arn:aws:iam::2222*:*", f"arn:aws:iam::{OTHER}:user/U1",
                                   "arn:aws:iam::${aws:PrincipalAccount}:role/R1"]),
    "aws:SourceIp": (["IpAddress", "NotIpAddress", "IpAddressIfExists", "NotIpAddressIfExists"],
                     ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32"]),
    "aws:PrincipalAccount": ([*STRING_OPS, "NumericLessThan", "NumericGreaterThanEquals"],
                             [HOME, PARTNER, OTHER, "2222*", "*1", "300000000000"]),
    "aws:SourceAccount": (["StringEquals", "StringEqualsIfExists", "StringNotEquals"], [HOME, PARTNER]),
    "aws:CurrentTime": (DATE_OPS, TIMES),
    "aws:EpochTime": ([*DATE_OPS, "NumericLessThan", "NumericGreaterThanEquals"], TIMES),
}


@st.composite
def principal_elements(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return "*"
    element: dict[str, Any] = {}
    aws = draw(st.lists(st.sampled_from(AWS_PRINCIPALS), min_size=0, max_size=3, unique=True))
    services = draw(st.lists(st.sampled_from(SERVICES), max_size=1))
    if not aws and not services:
        aws = [draw(st.sampled_from(AWS_PRINCIPALS))]
    if aws:
        element["AWS"] = aws[0] if len(aws) == 1 and draw(st.booleans()) else aws
    if services:
        element["Service"] = services
    return element


@st.composite
def condition_blocks(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(sorted(KEYS)))
        operators, values = KEYS[key]
        if draw(st.integers(0, 7)) == 0:
            operator, chosen = "Null", [draw(st.sampled_from(["true", "false"]))]
        else:
            operator = draw(st.sampled_from(operators))
            chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique_by=str))
        block.setdefault(operator, {})[key] = chosen[0] if len(chosen) == 1 else chosen
    return block


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    effect = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
    statement: dict[str, Any] = {"Effect": effect}
    if effect == "Deny" and draw(st.integers(0, 3)) == 0:
        statement["NotPrincipal"] = {"AWS": draw(st.lists(st.sampled_from(AWS_PRINCIPALS[1:]), min_size=1,
                                                          max_size=2, unique=True))}
    else:
        statement["Principal"] = draw(principal_elements())
    action = draw(st.sampled_from(["sts:AssumeRole", "sts:*", "sts:Assume*", ["sts:TagSession", "sts:AssumeRole"],
                                   "sts:TagSession", "NOT sts:TagSession"]))
    if action == "NOT sts:TagSession":
        statement["NotAction"] = "sts:TagSession"
    else:
        statement["Action"] = action
    conditions = draw(condition_blocks())
    if conditions:
        statement["Condition"] = conditions
    return statement


@st.composite
def policies(draw: st.DrawFn) -> PolicyDocument:
    body = draw(st.lists(statements(), min_size=1, max_size=3))
    return parse_policy({"Version": "2012-10-17", "Statement": body})


@st.composite
def zones(draw: st.DrawFn) -> Zone:
    org = draw(st.sampled_from([None, "o-aaa"]))
    members = draw(st.sampled_from([None, frozenset({HOME, PARTNER}), frozenset({HOME, UNNAMED})])) if org else None
    clock = draw(st.sampled_from([None, CLOCK]))
    return Zone(HOME, org_id=org, org_accounts=members, clock=clock)


@dataclass(frozen=True)
class Identity:
    caller: Caller
    mfa: str  # "true", "false" or "none" (long-term keys: the MFA keys are absent)


def identities(account: str) -> list[Identity]:
    found = []
    for role, session in (("R1", "s"), ("R2", "t")):
        caller = Caller(PrincipalType.AWS, f"arn:aws:iam::{account}:role/{role}", account,
                        session_arn=f"arn:aws:sts::{account}:assumed-role/{role}/{session}")
        found += [Identity(caller, "true"), Identity(caller, "false")]
    user = Caller(PrincipalType.AWS, f"arn:aws:iam::{account}:user/U1", account)
    found += [Identity(user, mfa) for mfa in ("true", "false", "none")]
    return found


def literal_values(policy: PolicyDocument) -> set[str]:
    return {value for s in policy.statements for c in s.conditions for value in c.values}


def org_choices(account: str, zone: Zone) -> list[str | None]:
    if account == zone.account_id and zone.org_id:
        return [zone.org_id]
    if zone.org_accounts is not None and zone.org_id:
        if account in zone.org_accounts:
            return [zone.org_id]
        return [None, "o-bbb", "o-attacker"]
    return [None, "o-aaa", "o-bbb", "o-attacker"]


def brute_force(policy: PolicyDocument, zone: Zone) -> list[tuple[Identity, str | None, Request]]:
    """Every sampled request that ``evaluate`` allows, with the organisation of the caller's account."""
    literals = literal_values(policy)
    keys = {c.key for s in policy.statements for c in s.conditions}  # no other key changes a verdict
    external_ids: list[str | None] = [None]
    if "sts:externalid" in keys:
        external_ids += [*sorted(literals), "abq", "xaz", "XYZ", "attacker-chosen"]
    addresses: list[str | None] = [None]
    if "aws:sourceip" in keys:
        addresses += ["10.1.2.3", "203.0.113.9", "2001:db8::1", "198.51.100.1"]
    orgs = (lambda account: org_choices(account, zone)) if "aws:principalorgid" in keys else (lambda _: [None])
    times: list[dict[str, tuple[str, ...]]] = [{}]
    if keys & set(TIME_KEYS):  # IAM sets both keys to the time of the request: the clock or later
        earliest = zone.clock or 0
        moments = {earliest, earliest + 1, 4102444800}  # ..., 2100-01-01
        timed = {v for s in policy.statements for c in s.conditions if c.key in TIME_KEYS for v in c.values}
        for literal in timed:
            point = as_epoch(literal)
            if point is not None:
                moments.update(int(point) + step for step in (-1, 0, 1))
        times = [time_keys(m) for m in sorted(moments) if m >= earliest]
    allows = [s for s in policy.statements if s.effect is Effect.ALLOW]
    allowed = []
    for account in ACCOUNTS:
        for org, identity in itertools.product(orgs(account), identities(account)):
            if not any(statement_covers(s, identity.caller, "sts:AssumeRole") for s in allows):
                continue
            base: dict[str, tuple[str, ...]] = {
                "aws:principalarn": (identity.caller.arn,),
                "aws:principalaccount": (account,),
            }
            if org is not None:
                base["aws:principalorgid"] = (org,)
            if identity.mfa == "true":
                base["aws:multifactorauthpresent"] = ("true",)
                base["aws:multifactorauthage"] = ("120",)
            elif identity.mfa == "false":
                base["aws:multifactorauthpresent"] = ("false",)
            own = [account] if "sts:externalid" in keys and any("${" in v for v in literals) else []
            for external_id, address, time in itertools.product(external_ids + own, addresses, times):
                context = dict(base) | time
                if external_id is not None:
                    context["sts:externalid"] = (external_id,)
                if address is not None:
                    context["aws:sourceip"] = (address,)
                request = Request(identity.caller, "sts:AssumeRole", context)
                if evaluate(policy, request).allowed:
                    allowed.append((identity, org, request))
    return allowed


def caller_chosen_variables(policy: PolicyDocument) -> bool:
    """Whether a condition names, in a policy variable, a key the caller controls (``aws:username``).

    The search reads such variables as wildcards, a conservative over-approximation that cannot see
    that ``x = ${aws:username}`` and ``x != ${aws:username}`` contradict each other; examples for
    these policies may not be requests IAM allows. Variables the caller's identity fixes
    (``${aws:PrincipalAccount}``) are resolved exactly.
    """
    return any(name != "aws:principalaccount"
               for s in policy.statements for c in s.conditions for v in c.values for name in variable_names(v))


def _describe(policy: PolicyDocument, analysis: TrustAnalysis) -> None:
    note(f"policy: {policy.raw}")
    note(f"verdicts: cross={analysis.cross_account} public={analysis.public} "
         f"required={analysis.mfa_or_external_id_required}")
    for path in analysis.paths:
        note(f"  path {path}")


@given(policies(), zones())
def test_every_witness_request_is_allowed(policy: PolicyDocument, zone: Zone) -> None:
    exact = not caller_chosen_variables(policy)
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        for witness in caller_witnesses(policy, zone):
            request = find_request(policy, statement, witness)
            if request is not None and exact:
                decision = evaluate(policy, request)
                assert decision.allowed, (statement.label, witness, request.context, decision.label)


def assert_realistic(policy: PolicyDocument, request: Request) -> None:
    """The example's identity keys agree with its caller, as they would in a real request."""
    context, caller = request.context, request.caller
    qualified = {c.key for s in policy.statements for c in s.conditions if c.qualifier is not Qualifier.NONE}
    for key, values in context.items():
        assert len(values) == 1 or key in qualified, (key, values)
    if caller.type is not PrincipalType.AWS:
        assert not {"aws:principalaccount", "aws:principalarn", "aws:multifactorauthpresent"} & set(context)
        return
    assert context.get("aws:principalaccount", (caller.account,)) == (caller.account,)
    for arn in context.get("aws:principalarn", ()):
        parsed = parse_arn(arn)
        assert parsed is not None and parsed.account == caller.account, arn
    if "aws:multifactorauthage" in context:
        assert context.get("aws:multifactorauthpresent", ("true",)) == ("true",)
    assert "aws:sourceaccount" not in context


@given(policies(), zones())
def test_path_examples_are_allowed_and_in_scope(policy: PolicyDocument, zone: Zone) -> None:
    analysis = analyse_trust(policy, zone)
    _describe(policy, analysis)
    named = mentioned_accounts(policy) | {zone.account_id}
    exact = not caller_chosen_variables(policy)
    for path in analysis.paths:
        assert path.example is not None
        assert evaluate(policy, path.example).allowed or not exact
        assert_realistic(policy, path.example)
        moment = request_moment(path.example.context)  # None: any time, the clock's included
        assert moment is None or moment >= (zone.clock or 0)
        if path.scope is Scope.CROSS_ACCOUNT:
            assert path.example.caller.account != zone.account_id
    for exposure in analysis.public_paths:
        assert exposure.example is not None
        assert evaluate(policy, exposure.example).allowed or not exact
        assert_realistic(policy, exposure.example)
        if exposure.example.caller.type is PrincipalType.AWS:
            assert exposure.example.caller.account not in named
    assert analysis.cross_account == any(p.scope is Scope.CROSS_ACCOUNT for p in analysis.paths)


@given(policies(), zones())
def test_verdicts_cover_every_allowed_outside_request(policy: PolicyDocument, zone: Zone) -> None:
    analysis = analyse_trust(policy, zone)
    _describe(policy, analysis)
    literals = literal_values(policy)
    for identity, org, request in brute_force(policy, zone):
        account = identity.caller.account
        if account == zone.account_id:
            continue
        assert analysis.cross_account, request
        if account in NOBODY_NAMED and org in (None, "o-attacker"):
            assert analysis.public, request
        external_id = request.context.get("sts:externalid", (None,))[0]
        if identity.mfa != "true" and (external_id is None or external_id not in literals):
            assert analysis.mfa_or_external_id_required is not True, request
