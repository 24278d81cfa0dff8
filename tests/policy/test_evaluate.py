"""Whole requests against whole trust policies: principals, actions, several conditions, Deny wins."""

from __future__ import annotations

from typing import Any

import pytest

from rolescope.policy.evaluate import evaluate
from rolescope.policy.model import PrincipalType
from rolescope.policy.parse import parse_policy
from rolescope.policy.request import Caller, Request, caller_from_arn

HOME, PARTNER, OTHER = "111111111111", "222222222222", "333333333333"
PARTNER_ROLE = f"arn:aws:iam::{PARTNER}:role/Deployer"
PARTNER_SESSION = f"arn:aws:sts::{PARTNER}:assumed-role/Deployer/ci-42"


def trust(*statements: dict[str, Any]) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: Any, condition: dict[str, Any] | None = None, action: Any = "sts:AssumeRole") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(principal: Any, condition: dict[str, Any] | None = None, action: Any = "sts:AssumeRole",
         *, not_principal: bool = False) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Deny", "NotPrincipal" if not_principal else "Principal": principal,
                                 "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


def request(caller: str | Caller, action: str = "sts:AssumeRole", **context: str | tuple[str, ...]) -> Request:
    who = caller_from_arn(caller) if isinstance(caller, str) else caller
    keys = {key.replace("__", ":").lower(): value if isinstance(value, tuple) else (value,)
            for key, value in context.items()}
    return Request(who, action, keys)


def allowed(policy: Any, req: Request) -> bool:
    return evaluate(policy, req).allowed


class TestPrincipals:
    def test_account_root_admits_every_principal_of_the_account(self) -> None:
        policy = trust(allow({"AWS": f"arn:aws:iam::{PARTNER}:root"}))
        assert allowed(policy, request(PARTNER_ROLE))
        assert allowed(policy, request(PARTNER_SESSION))
        assert allowed(policy, request(f"arn:aws:iam::{PARTNER}:user/alice"))
        assert not allowed(policy, request(f"arn:aws:iam::{OTHER}:role/Deployer"))

    def test_bare_account_id_is_the_same_as_root(self) -> None:
        policy = trust(allow({"AWS": PARTNER}))
        assert allowed(policy, request(PARTNER_ROLE))
        assert not allowed(policy, request(f"arn:aws:iam::{OTHER}:role/Deployer"))

    def test_bare_account_id_in_other_partitions(self) -> None:
        policy = trust(allow({"AWS": PARTNER}))
        assert allowed(policy, request(f"arn:aws-cn:iam::{PARTNER}:role/Deployer"))
        assert allowed(policy, request(f"arn:aws-us-gov:iam::{PARTNER}:user/alice"))

    def test_partition_of_an_arn_principal_must_match(self) -> None:
        policy = trust(allow({"AWS": f"arn:aws-cn:iam::{PARTNER}:root"}))
        assert allowed(policy, request(f"arn:aws-cn:iam::{PARTNER}:role/Deployer"))
        assert not allowed(policy, request(PARTNER_ROLE))

    def test_role_admits_its_sessions_only(self) -> None:
        policy = trust(allow({"AWS": PARTNER_ROLE}))
        assert allowed(policy, request(PARTNER_SESSION))
        assert allowed(policy, request(PARTNER_ROLE))
        assert not allowed(policy, request(f"arn:aws:iam::{PARTNER}:role/Other"))
        assert not allowed(policy, request(f"arn:aws:iam::{PARTNER}:user/Deployer"))

    def test_assumed_role_session_admits_that_session_only(self) -> None:
        policy = trust(allow({"AWS": PARTNER_SESSION}))
        assert allowed(policy, request(PARTNER_SESSION))
        assert not allowed(policy, request(f"arn:aws:sts::{PARTNER}:assumed-role/Deployer/other"))
        assert not allowed(policy, request(PARTNER_ROLE))

    def test_unique_id_admits_nobody_but_the_deleted_principal(self) -> None:
        policy = trust(allow({"AWS": "AROA1234567890EXAMPLE"}))
        assert not allowed(policy, request(PARTNER_ROLE))
        ghost = Caller(PrincipalType.AWS, PARTNER_ROLE, PARTNER, unique_id="AROA1234567890EXAMPLE")
        assert allowed(policy, request(ghost))

    def test_bare_star_admits_every_kind_of_caller(self) -> None:
        policy = trust(allow("*", action="sts:*"))
        assert allowed(policy, request(PARTNER_ROLE))
        assert allowed(policy, request("ec2.amazonaws.com"))
        assert allowed(policy, request("accounts.google.com", "sts:AssumeRoleWithWebIdentity"))

    def test_aws_star_admits_aws_callers_only(self) -> None:
        policy = trust(allow({"AWS": "*"}, action="sts:*"))
        assert allowed(policy, request(PARTNER_ROLE))
        assert not allowed(policy, request("ec2.amazonaws.com"))
        assert not allowed(policy, request("accounts.google.com", "sts:AssumeRoleWithWebIdentity"))

    def test_service_principal(self) -> None:
        policy = trust(allow({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}))
        assert allowed(policy, request("lambda.amazonaws.com"))
        assert allowed(policy, request("EC2.amazonaws.com"))
        assert not allowed(policy, request("ecs-tasks.amazonaws.com"))
        assert not allowed(policy, request(PARTNER_ROLE))

    def test_federated_principals(self) -> None:
        oidc = f"arn:aws:iam::{HOME}:oidc-provider/token.actions.githubusercontent.com"
        saml = f"arn:aws:iam::{HOME}:saml-provider/Okta"
        policy = trust(allow({"Federated": [oidc, saml]}, action=["sts:AssumeRoleWithWebIdentity",
                                                                 "sts:AssumeRoleWithSAML"]))
        assert allowed(policy, request(oidc, "sts:AssumeRoleWithWebIdentity"))
        assert allowed(policy, request(saml, "sts:AssumeRoleWithSAML"))
        assert not allowed(policy, request(saml, "sts:AssumeRole"))
        assert not allowed(policy, request(f"arn:aws:iam::{HOME}:saml-provider/Other", "sts:AssumeRoleWithSAML"))


class TestActions:
    @pytest.mark.parametrize(
        ("action", "requested", "expected"),
        [
            ("sts:AssumeRole", "sts:AssumeRole", True),
            ("sts:AssumeRole", "STS:assumerole", True),
            ("sts:assumerole", "sts:AssumeRole", True),
            ("sts:AssumeRole", "sts:AssumeRoleWithSAML", False),
            ("sts:Assume*", "sts:AssumeRoleWithWebIdentity", True),
            ("sts:*", "sts:AssumeRole", True),
            ("*", "sts:AssumeRole", True),
            ("sts:AssumeRoleWith????", "sts:AssumeRoleWithSAML", True),
            ("sts:TagSession", "sts:AssumeRole", False),
            (["sts:TagSession", "sts:AssumeRole"], "sts:AssumeRole", True),
        ],
    )
    def test_action_wildcards_case_insensitive(self, action: Any, requested: str, expected: bool) -> None:
        assert allowed(trust(allow("*", action=action)), request(PARTNER_ROLE, requested)) is expected

    def test_not_action_allows_everything_else(self) -> None:
        policy = trust({"Effect": "Allow", "Principal": {"AWS": PARTNER}, "NotAction": "sts:TagSession"})
        assert allowed(policy, request(PARTNER_ROLE, "sts:AssumeRole"))
        assert not allowed(policy, request(PARTNER_ROLE, "sts:TagSession"))

    def test_not_action_on_a_deny(self) -> None:
        policy = trust(allow({"AWS": PARTNER}, action="sts:*"),
                       {"Effect": "Deny", "Principal": "*", "NotAction": "sts:Assume*"})
        assert allowed(policy, request(PARTNER_ROLE, "sts:AssumeRole"))
        assert not allowed(policy, request(PARTNER_ROLE, "sts:TagSession"))


class TestConditionsTogether:
    def test_several_keys_and_operators_must_all_hold(self) -> None:
        policy = trust(allow({"AWS": PARTNER}, {
            "StringEquals": {"sts:ExternalId": "x1", "aws:PrincipalOrgID": "o-1"},
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
        }))
        full = {"sts__externalid": "x1", "aws__principalorgid": "o-1", "aws__multifactorauthpresent": "true"}
        assert allowed(policy, request(PARTNER_ROLE, **full))
        for missing in full:
            assert not allowed(policy, request(PARTNER_ROLE, **{k: v for k, v in full.items() if k != missing}))
        assert not allowed(policy, request(PARTNER_ROLE, **{**full, "sts__externalid": "x2"}))

    def test_several_values_of_one_key_are_alternatives(self) -> None:
        policy = trust(allow({"AWS": PARTNER}, {"StringEquals": {"sts:ExternalId": ["x1", "x2"]}}))
        assert allowed(policy, request(PARTNER_ROLE, sts__externalid="x2"))
        assert not allowed(policy, request(PARTNER_ROLE, sts__externalid="x3"))

    def test_several_allow_statements_are_alternatives(self) -> None:
        policy = trust(allow({"AWS": PARTNER}, {"StringEquals": {"sts:ExternalId": "x1"}}),
                       allow({"AWS": OTHER}))
        assert not allowed(policy, request(PARTNER_ROLE))
        assert allowed(policy, request(PARTNER_ROLE, sts__externalid="x1"))
        assert allowed(policy, request(f"arn:aws:iam::{OTHER}:role/Any"))


class TestDeny:
    def test_explicit_deny_wins_over_any_allow(self) -> None:
        policy = trust(allow({"AWS": PARTNER}), deny({"AWS": PARTNER_ROLE}))
        decision = evaluate(policy, request(PARTNER_SESSION))
        assert not decision.allowed
        assert decision.statement is policy.statements[1]
        assert decision.label == "DENY (explicit) by Statement[1]"
        assert allowed(policy, request(f"arn:aws:iam::{PARTNER}:role/Other"))

    def test_deny_listed_first_still_wins(self) -> None:
        policy = trust(deny("*", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}), allow({"AWS": PARTNER}))
        assert not allowed(policy, request(PARTNER_ROLE, aws__multifactorauthpresent="false"))
        assert allowed(policy, request(PARTNER_ROLE, aws__multifactorauthpresent="true"))
        assert allowed(policy, request(PARTNER_ROLE))  # Bool on a missing key: the Deny does not apply

    def test_deny_with_bool_if_exists_catches_long_term_keys(self) -> None:
        policy = trust(allow({"AWS": PARTNER}), deny("*", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
        assert not allowed(policy, request(PARTNER_ROLE))
        assert not allowed(policy, request(PARTNER_ROLE, aws__multifactorauthpresent="false"))
        assert allowed(policy, request(PARTNER_ROLE, aws__multifactorauthpresent="true"))

    def test_not_principal_denies_everyone_else(self) -> None:
        policy = trust(allow({"AWS": [PARTNER, OTHER]}), deny({"AWS": PARTNER_SESSION}, not_principal=True))
        assert allowed(policy, request(PARTNER_SESSION))
        assert not allowed(policy, request(f"arn:aws:sts::{PARTNER}:assumed-role/Deployer/other"))
        assert not allowed(policy, request(f"arn:aws:iam::{PARTNER}:role/Other"))
        assert not allowed(policy, request(f"arn:aws:iam::{OTHER}:role/Deployer"))

    def test_no_matching_statement_is_an_implicit_deny(self) -> None:
        decision = evaluate(trust(allow({"AWS": PARTNER})), request(f"arn:aws:iam::{OTHER}:role/X"))
        assert (decision.allowed, decision.statement) == (False, None)
        assert decision.label.startswith("DENY (implicit")

    def test_allow_label_names_the_statement(self) -> None:
        policy = trust({**allow({"AWS": PARTNER}), "Sid": "Partner"})
        assert evaluate(policy, request(PARTNER_ROLE)).label == "ALLOW by Statement[0] (Partner)"


class TestPolicyVariablesInRequests:
    def test_variable_resolved_from_the_same_request(self) -> None:
        policy = trust(allow({"AWS": "*"}, {
            "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/ci-*"},
            "StringEquals": {"sts:ExternalId": "${aws:PrincipalAccount, 'none'}"},
        }))
        good = request(f"arn:aws:iam::{PARTNER}:role/ci-build", aws__principalaccount=PARTNER,
                       aws__principalarn=f"arn:aws:iam::{PARTNER}:role/ci-build", sts__externalid=PARTNER)
        assert allowed(policy, good)
        wrong_account = Request(good.caller, good.action, {**good.context, "aws:principalaccount": (OTHER,)})
        assert not allowed(policy, wrong_account)
        no_account = Request(good.caller, good.action, {"aws:principalarn": good.context["aws:principalarn"],
                                                        "sts:externalid": ("none",)})
        assert not allowed(policy, no_account)  # the ArnLike variable cannot be resolved


class TestCallerFromArn:
    @pytest.mark.parametrize(
        ("text", "kind", "arn", "account", "session"),
        [
            (PARTNER, PrincipalType.AWS, f"arn:aws:iam::{PARTNER}:root", PARTNER, None),
            (PARTNER_ROLE, PrincipalType.AWS, PARTNER_ROLE, PARTNER, None),
            (PARTNER_SESSION, PrincipalType.AWS, PARTNER_ROLE, PARTNER, PARTNER_SESSION),
            (f"arn:aws:iam::{PARTNER}:user/alice", PrincipalType.AWS, f"arn:aws:iam::{PARTNER}:user/alice", PARTNER,
             None),
            ("ec2.amazonaws.com", PrincipalType.SERVICE, "ec2.amazonaws.com", None, None),
            ("accounts.google.com", PrincipalType.FEDERATED, "accounts.google.com", None, None),
            (f"arn:aws:iam::{HOME}:saml-provider/Okta", PrincipalType.FEDERATED,
             f"arn:aws:iam::{HOME}:saml-provider/Okta", HOME, None),
        ],
    )
    def test_shapes(self, text: str, kind: PrincipalType, arn: str, account: str | None, session: str | None) -> None:
        caller = caller_from_arn(text)
        assert (caller.type, caller.arn, caller.account, caller.session_arn) == (kind, arn, account, session)

    @pytest.mark.parametrize("text", ["alice", "arn:aws:s3:::bucket", f"arn:aws:sts::{PARTNER}:assumed-role/x"])
    def test_rejects_what_is_no_principal(self, text: str) -> None:
        with pytest.raises(ValueError):
            caller_from_arn(text)
