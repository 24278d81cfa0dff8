"""Web identities, SAML and services against brute force.

Whenever a concrete token or service request that an outsider could produce gets in, the exposures
say so: an attacker-owned GitHub repository or an arbitrary subject → ``oidc_without_subject`` (and
``public`` for a provider anyone can sign up to); an audience nobody pinned → ``saml_without_audience``;
a service acting for another account's resource → ``service_without_source``.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from rolescope.policy.evaluate import evaluate
from rolescope.policy.model import PolicyDocument, PrincipalType
from rolescope.policy.parse import parse_policy
from rolescope.policy.request import Caller, Request
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone

HOME, ATTACKER = "111111111111", "444455556666"
GITHUB_HOST = "token.actions.githubusercontent.com"
GITHUB = f"arn:aws:iam::{HOME}:oidc-provider/{GITHUB_HOST}"
EKS_HOST = "oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
EKS = f"arn:aws:iam::{HOME}:oidc-provider/{EKS_HOST}"
SAML = f"arn:aws:iam::{HOME}:saml-provider/Okta"
GOOGLE = "accounts.google.com"
SERVICE = "config.amazonaws.com"
ZONE = Zone(HOME)

STRING_OPS = ["StringEquals", "StringLike", "StringNotEquals", "StringNotLike", "StringEqualsIfExists",
              "StringLikeIfExists", "ForAnyValue:StringLike", "ForAllValues:StringEquals", "StringEqualsIgnoreCase"]
CONDITIONS: dict[str, tuple[list[str], list[str]]] = {
    f"{GITHUB_HOST}:sub": (STRING_OPS, ["repo:octo-org/app:ref:refs/heads/main", "repo:octo-org/*", "repo:*", "*",
                                        "repo:*/app:*", "*:ref:refs/heads/main"]),
    f"{GITHUB_HOST}:aud": (STRING_OPS, ["sts.amazonaws.com"]),
    f"{GITHUB_HOST}:repository_owner": (STRING_OPS, ["octo-org"]),
    f"{EKS_HOST}:sub": (STRING_OPS, ["system:serviceaccount:payments:api", "system:serviceaccount:*", "*"]),
    f"{EKS_HOST}:aud": (STRING_OPS, ["sts.amazonaws.com"]),
    "SAML:aud": (STRING_OPS, ["https://signin.aws.amazon.com/saml", "https://*"]),
    f"{GOOGLE}:aud": (STRING_OPS, ["1234.apps.googleusercontent.com"]),
    f"{GOOGLE}:sub": (STRING_OPS, ["110169484474386276334", "1101*"]),
    "aws:SourceAccount": (STRING_OPS, [HOME, "*"]),
    "aws:SourceArn": (["ArnEquals", "ArnLike", "ArnLikeIfExists", "ArnNotLike", "StringLike"],
                      [f"arn:aws:config:eu-west-1:{HOME}:config-rule/r1", f"arn:aws:config:*:{HOME}:*",
                       "arn:aws:config:*"]),
}
PRINCIPALS: list[Any] = [{"Federated": GITHUB}, {"Federated": EKS}, {"Federated": SAML}, {"Federated": GOOGLE},
                         {"Service": SERVICE}, {"Federated": [GITHUB, EKS]}, "*"]
ACTIONS = ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "sts:AssumeRole", "sts:*"]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Principal": draw(st.sampled_from(PRINCIPALS)),
        "Action": draw(st.sampled_from(ACTIONS)),
    }
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(sorted(CONDITIONS)))
        operators, values = CONDITIONS[key]
        if draw(st.integers(0, 7)) == 0:
            block.setdefault("Null", {})[key] = draw(st.sampled_from(["true", "false"]))
            continue
        chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
        block.setdefault(draw(st.sampled_from(operators)), {})[key] = chosen
    if block:
        statement["Condition"] = block
    return statement


@st.composite
def policies(draw: st.DrawFn) -> PolicyDocument:
    return parse_policy({"Version": "2012-10-17", "Statement": draw(st.lists(statements(), min_size=1, max_size=3))})


def allowed(policy: PolicyDocument, caller: Caller, action: str, context: dict[str, str | None]) -> bool:
    keys = {key.lower(): (value,) for key, value in context.items() if value is not None}
    return evaluate(policy, Request(caller, action, keys)).allowed


@given(policies())
def test_outsiders_tokens_and_resources_are_reported(policy: PolicyDocument) -> None:
    analysis = analyse_trust(policy, ZONE)
    note(f"policy: {policy.raw}")
    note(f"oidc={analysis.oidc_without_subject} saml={analysis.saml_without_audience} "
         f"service={analysis.service_without_source} public={analysis.public}")
    flagged_oidc = {e.principal for e in analysis.oidc_without_subject}
    web = "sts:AssumeRoleWithWebIdentity"
    # Which providers exist in the account is unknown to a policy: try those it names, and for a bare
    # "*" those whose claims its conditions name.
    named = {p.value for s in policy.statements for p in s.principals or ()}
    star = "*" in named
    hosts = {c.key.rsplit(":", 1)[0] for s in policy.statements for c in s.conditions}

    github = Caller(PrincipalType.FEDERATED, GITHUB, HOME)
    owners = [None, "octo-org", "attacker"]
    for sub, aud, owner in itertools.product(
            ["repo:attacker/app:ref:refs/heads/main", "attacker-chosen", "repo:octo-org/app:ref:refs/heads/main"],
            ["sts.amazonaws.com", "attacker"], owners):
        context = {f"{GITHUB_HOST}:sub": sub, f"{GITHUB_HOST}:aud": aud, f"{GITHUB_HOST}:repository_owner": owner}
        if sub.startswith("repo:attacker/") and owner == "octo-org":
            continue  # GitHub signs the owner of the repository the subject names
        if GITHUB not in named and not (star and GITHUB_HOST in hosts):
            break
        if sub != "repo:octo-org/app:ref:refs/heads/main" and allowed(policy, github, web, context):
            assert GITHUB in flagged_oidc, context
            if sub.startswith("repo:attacker/"):
                assert analysis.public, context

    eks = Caller(PrincipalType.FEDERATED, EKS, HOME)
    for aud in ("sts.amazonaws.com", "attacker"):
        if EKS not in named and not (star and EKS_HOST.lower() in hosts):
            break
        if allowed(policy, eks, web, {f"{EKS_HOST}:sub": "attacker-chosen", f"{EKS_HOST}:aud": aud}):
            assert EKS in flagged_oidc

    google = Caller(PrincipalType.FEDERATED, GOOGLE)
    for aud in ("1234.apps.googleusercontent.com", "attacker-app"):
        if allowed(policy, google, web, {f"{GOOGLE}:sub": "999attacker", f"{GOOGLE}:aud": aud}):
            assert analysis.public and GOOGLE in flagged_oidc

    saml = Caller(PrincipalType.FEDERATED, SAML, HOME)
    if SAML in named and allowed(policy, saml, "sts:AssumeRoleWithSAML", {"saml:aud": "https://attacker.example/saml"}):
        assert {e.principal for e in analysis.saml_without_audience} == {SAML}

    service = Caller(PrincipalType.SERVICE, SERVICE)
    named_service = any(p.value == SERVICE for s in policy.statements for p in s.principals or ())
    attacker_rule = f"arn:aws:config:eu-west-1:{ATTACKER}:config-rule/r1"
    for account, arn in ((None, None), (ATTACKER, None), (ATTACKER, attacker_rule), (None, attacker_rule)):
        context = {"aws:SourceAccount": account, "aws:SourceArn": arn}
        if named_service and allowed(policy, service, "sts:AssumeRole", context):
            assert {e.principal for e in analysis.service_without_source} == {SERVICE}, context
