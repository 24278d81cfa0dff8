"""Every shape of trust policy IAM accepts parses into the same normalised objects."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from rolescope.policy.model import Effect, PrincipalKind, PrincipalType
from rolescope.policy.parse import parse_policy
from rolescope.policy.qualifier import Qualifier

PARTNER = "222222222222"


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def allow(principal: Any, action: Any = "sts:AssumeRole", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


def principals(principal: Any) -> dict[str, PrincipalKind]:
    statement = parse_policy(policy(allow(principal))).statements[0]
    assert statement.principals is not None
    return {p.value: p.kind for p in statement.principals}


TRUST = policy(allow({"AWS": f"arn:aws:iam::{PARTNER}:root"}, Condition={"StringEquals": {"sts:ExternalId": "x1"}}))


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(TRUST, id="dict"),
        pytest.param(json.dumps(TRUST), id="json-text"),
        pytest.param(json.dumps(TRUST, indent=4), id="pretty-json"),
        pytest.param(json.dumps(TRUST).encode(), id="bytes"),
        pytest.param(quote(json.dumps(TRUST), safe=""), id="url-encoded-as-iam-returns-it"),
        pytest.param("  \n" + quote(json.dumps(TRUST), safe=""), id="url-encoded-with-whitespace"),
    ],
)
def test_every_encoding_gives_the_same_policy(document: Any) -> None:
    parsed = parse_policy(document)
    assert parsed == parse_policy(TRUST)
    statement = parsed.statements[0]
    assert statement.effect is Effect.ALLOW
    assert statement.actions == ("sts:assumerole",)
    assert [str(c) for c in statement.conditions] == ["StringEquals sts:ExternalId x1"]
    assert parsed.version == "2012-10-17"


def test_url_encoded_policy_keeps_encoded_characters_in_values() -> None:
    document = policy(allow({"AWS": PARTNER}, Condition={"StringEquals": {"sts:ExternalId": "a%b+c d"}}))
    parsed = parse_policy(quote(json.dumps(document), safe=""))
    assert parsed.statements[0].conditions[0].values == ("a%b+c d",)


def test_statement_may_be_a_single_object() -> None:
    single = parse_policy({"Version": "2012-10-17", "Statement": allow({"AWS": PARTNER})})
    listed = parse_policy(policy(allow({"AWS": PARTNER})))
    assert single.statements == listed.statements
    assert single.statements[0].index == 0


def test_version_and_id_are_optional_and_old_version_is_accepted() -> None:
    assert parse_policy(policy(allow("*"), version=None)).version is None
    assert parse_policy(policy(allow("*"), version="2008-10-17")).version == "2008-10-17"
    assert parse_policy({"Id": "trust", **policy(allow("*"))}).statements


def test_sid_and_indices_are_kept() -> None:
    parsed = parse_policy(policy(allow("*", Sid="First"), allow({"AWS": PARTNER})))
    assert [(s.index, s.sid) for s in parsed.statements] == [(0, "First"), (1, None)]
    assert parsed.statements[0].label == "Statement[0] (First)"
    assert parsed.statements[1].label == "Statement[1]"


class TestPrincipals:
    def test_bare_star_is_anyone_of_any_type(self) -> None:
        statement = parse_policy(policy(allow("*"))).statements[0]
        assert statement.principals is not None
        (principal,) = statement.principals
        assert (principal.type, principal.kind) == (PrincipalType.ANY, PrincipalKind.ANYONE)

    def test_aws_star_is_anyone_with_aws_credentials(self) -> None:
        statement = parse_policy(policy(allow({"AWS": "*"}))).statements[0]
        assert statement.principals is not None
        (principal,) = statement.principals
        assert (principal.type, principal.kind) == (PrincipalType.AWS, PrincipalKind.ANYONE)

    def test_bare_account_id_is_the_account_root(self) -> None:
        statement = parse_policy(policy(allow({"AWS": PARTNER}))).statements[0]
        assert statement.principals is not None
        (principal,) = statement.principals
        assert principal.kind is PrincipalKind.ACCOUNT
        assert (principal.account, principal.arn) == (PARTNER, f"arn:aws:iam::{PARTNER}:root")

    @pytest.mark.parametrize(
        ("value", "kind"),
        [
            (f"arn:aws:iam::{PARTNER}:root", PrincipalKind.ACCOUNT),
            (f"arn:aws:iam::{PARTNER}:role/Deployer", PrincipalKind.ROLE),
            (f"arn:aws:iam::{PARTNER}:role/path/to/Deployer", PrincipalKind.ROLE),
            (f"arn:aws:iam::{PARTNER}:user/alice", PrincipalKind.USER),
            (f"arn:aws:sts::{PARTNER}:assumed-role/Deployer/session-1", PrincipalKind.ASSUMED_ROLE),
            (f"arn:aws:sts::{PARTNER}:federated-user/bob", PrincipalKind.FEDERATED_USER),
            ("AROA1234567890EXAMPLE", PrincipalKind.UNIQUE_ID),
            ("AIDA1234567890EXAMPLE", PrincipalKind.UNIQUE_ID),
        ],
    )
    def test_aws_principal_kinds(self, value: str, kind: PrincipalKind) -> None:
        assert principals({"AWS": value}) == {value: kind}

    @pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
    def test_partitions(self, partition: str) -> None:
        value = f"arn:{partition}:iam::{PARTNER}:role/Deployer"
        statement = parse_policy(policy(allow({"AWS": value}))).statements[0]
        assert statement.principals is not None
        (principal,) = statement.principals
        assert (principal.kind, principal.partition, principal.account) == (PrincipalKind.ROLE, partition, PARTNER)

    @pytest.mark.parametrize("service", ["ec2.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com.cn",
                                         "states.us-east-1.amazonaws.com"])
    def test_service_principals(self, service: str) -> None:
        assert principals({"Service": service}) == {service: PrincipalKind.SERVICE}

    @pytest.mark.parametrize(
        ("value", "kind", "host"),
        [
            (f"arn:aws:iam::{PARTNER}:saml-provider/Okta", PrincipalKind.SAML_PROVIDER, None),
            (f"arn:aws:iam::{PARTNER}:oidc-provider/token.actions.githubusercontent.com", PrincipalKind.OIDC_PROVIDER,
             "token.actions.githubusercontent.com"),
            (f"arn:aws-us-gov:iam::{PARTNER}:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/ABC",
             PrincipalKind.OIDC_PROVIDER, "oidc.eks.us-gov-west-1.amazonaws.com/id/abc"),
            ("accounts.google.com", PrincipalKind.PUBLIC_IDP, "accounts.google.com"),
            ("cognito-identity.amazonaws.com", PrincipalKind.PUBLIC_IDP, "cognito-identity.amazonaws.com"),
            ("graph.facebook.com", PrincipalKind.PUBLIC_IDP, "graph.facebook.com"),
            ("www.amazon.com", PrincipalKind.PUBLIC_IDP, "www.amazon.com"),
        ],
    )
    def test_federated_principals(self, value: str, kind: PrincipalKind, host: str | None) -> None:
        statement = parse_policy(policy(allow({"Federated": value}))).statements[0]
        assert statement.principals is not None
        (principal,) = statement.principals
        assert (principal.type, principal.kind, principal.oidc_host) == (PrincipalType.FEDERATED, kind, host)

    def test_canonical_user(self) -> None:
        value = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
        assert principals({"CanonicalUser": value}) == {value: PrincipalKind.CANONICAL_USER}

    def test_lists_and_several_types_in_one_element(self) -> None:
        found = principals({
            "AWS": [PARTNER, f"arn:aws:iam::{PARTNER}:role/A", "333333333333"],
            "Service": ["ec2.amazonaws.com"],
            "Federated": "accounts.google.com",
        })
        assert found == {
            PARTNER: PrincipalKind.ACCOUNT,
            f"arn:aws:iam::{PARTNER}:role/A": PrincipalKind.ROLE,
            "333333333333": PrincipalKind.ACCOUNT,
            "ec2.amazonaws.com": PrincipalKind.SERVICE,
            "accounts.google.com": PrincipalKind.PUBLIC_IDP,
        }

    def test_not_principal_with_deny(self) -> None:
        statement = parse_policy(policy(
            allow({"AWS": PARTNER}),
            {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{PARTNER}:role/A"}, "Action": "sts:AssumeRole"},
        )).statements[1]
        assert statement.principals is None
        assert statement.not_principals is not None
        assert {p.kind for p in statement.not_principals} == {PrincipalKind.ROLE}


class TestActions:
    @pytest.mark.parametrize(
        ("action", "normalised"),
        [
            ("sts:AssumeRole", ("sts:assumerole",)),
            ("STS:ASSUMEROLE", ("sts:assumerole",)),
            (["sts:AssumeRole", "sts:TagSession"], ("sts:assumerole", "sts:tagsession")),
            (["sts:AssumeRole", "sts:assumerole"], ("sts:assumerole",)),
            ("sts:Assume*", ("sts:assume*",)),
            ("sts:*", ("sts:*",)),
            ("*", ("*",)),
            ("sts:AssumeRoleWith?AML", ("sts:assumerolewith?aml",)),
        ],
    )
    def test_actions_are_lower_cased_and_deduplicated(self, action: Any, normalised: tuple[str, ...]) -> None:
        statement = parse_policy(policy(allow("*", action))).statements[0]
        assert (statement.actions, statement.not_actions) == (normalised, None)

    def test_not_action(self) -> None:
        document = policy({"Effect": "Allow", "Principal": {"AWS": PARTNER}, "NotAction": ["sts:TagSession"]})
        statement = parse_policy(document).statements[0]
        assert (statement.actions, statement.not_actions) == (None, ("sts:tagsession",))


class TestConditions:
    def test_operator_parts_and_key_case(self) -> None:
        document = policy(allow("*", Condition={
            "ForAnyValue:StringLikeIfExists": {"AWS:PrincipalOrgPaths": ["o-1/*", "o-2/*"]},
            "stringequals": {"STS:ExternalId": "Mixed-Case"},
        }))
        first, second = parse_policy(document).statements[0].conditions
        assert (first.operator, first.qualifier, first.if_exists) == ("StringLike", Qualifier.FOR_ANY_VALUE, True)
        assert (first.key, first.key_as_written, first.values) == (
            "aws:principalorgpaths", "AWS:PrincipalOrgPaths", ("o-1/*", "o-2/*"))
        assert first.operator_as_written == "ForAnyValue:StringLikeIfExists"
        assert (second.operator, second.key, second.values) == ("StringEquals", "sts:externalid", ("Mixed-Case",))

    @pytest.mark.parametrize(("written", "value"), [(True, "true"), ("TRUE", "true"), (False, "false"),
                                                    ("false", "false")])
    def test_booleans_are_normalised(self, written: Any, value: str) -> None:
        document = policy(allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": written}}))
        assert parse_policy(document).statements[0].conditions[0].values == (value,)

    def test_numbers_become_strings(self) -> None:
        document = policy(allow("*", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}))
        assert parse_policy(document).statements[0].conditions[0].values == ("3600",)

    def test_policy_variables_only_in_version_2012(self) -> None:
        condition = {"StringEquals": {"sts:ExternalId": "${aws:username}"}}
        assert parse_policy(policy(allow("*", Condition=condition))).statements[0].conditions[0].variables
        old = parse_policy(policy(allow("*", Condition=condition), version="2008-10-17"))
        assert not old.statements[0].conditions[0].variables
        unversioned = parse_policy(policy(allow("*", Condition=condition), version=None))
        assert not unversioned.statements[0].conditions[0].variables

    def test_every_operator_family_parses(self) -> None:
        operators = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
                     "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
                     "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
                     "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
                     "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
                     "ArnLike", "ArnNotEquals", "ArnNotLike"]
        block = {f"{operator}IfExists": {"aws:SomeKey": "true"} for operator in operators}
        block["Null"] = {"aws:SomeKey": "true"}
        conditions = parse_policy(policy(allow("*", Condition=block))).statements[0].conditions
        assert sorted(c.operator for c in conditions) == sorted([*operators, "Null"])
