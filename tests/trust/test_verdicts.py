"""Trust policies in, verdicts out: cross-account, public, MFA-or-ExternalId required, and the exposures.

Includes the peer tools' known mistakes as regression cases (ScoutSuite #367, checkov #7209...).
"""

from __future__ import annotations

from typing import Any

import pytest

from rolescope.policy.evaluate import evaluate
from rolescope.policy.parse import parse_policy
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.witness import Scope, Zone

HOME, PARTNER, OTHER = "111111111111", "222222222222", "333333333333"
ZONE = Zone(HOME)
GITHUB = f"arn:aws:iam::{HOME}:oidc-provider/token.actions.githubusercontent.com"
GITHUB_SUB = "token.actions.githubusercontent.com:sub"
GITHUB_AUD = "token.actions.githubusercontent.com:aud"
EKS_HOST = "oidc.eks.eu-west-1.amazonaws.com/id/5C9A1B2C3D4E5F60718293A4B5C6D7E8"
EKS = f"arn:aws:iam::{HOME}:oidc-provider/{EKS_HOST}"
SAML = f"arn:aws:iam::{HOME}:saml-provider/Okta"


def allow(principal: Any, condition: dict[str, Any] | None = None, action: Any = "sts:AssumeRole",
          sid: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    if sid:
        statement["Sid"] = sid
    return statement


def deny(principal: Any, condition: dict[str, Any], action: Any = "sts:AssumeRole") -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": principal, "Action": action, "Condition": condition}


def analyse(*statements: dict[str, Any], zone: Zone = ZONE, single: bool = False) -> TrustAnalysis:
    body: Any = statements[0] if single else list(statements)
    analysis = analyse_trust(parse_policy({"Version": "2012-10-17", "Statement": body}), zone)
    for path in analysis.paths:  # every path's example is a request IAM would allow
        assert path.example is not None and evaluate(analysis.policy, path.example).allowed
    return analysis


def verdicts(analysis: TrustAnalysis) -> tuple[bool, bool, bool | None]:
    return analysis.cross_account, analysis.public, analysis.mfa_or_external_id_required


def cross_path(analysis: TrustAnalysis, statement: int = 0) -> Any:
    path = analysis.path_for(statement, Scope.CROSS_ACCOUNT)
    assert path is not None
    return path


class TestMfa:
    def test_bool_mfa_true_requires_mfa(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
        assert verdicts(analysis) == (True, False, True)
        assert "mfa" in cross_path(analysis).requires

    def test_bool_if_exists_mfa_true_is_not_mfa_required(self) -> None:
        """ScoutSuite #367: long-term keys carry no MFA key, so BoolIfExists lets them in without MFA."""
        analysis = analyse(allow({"AWS": PARTNER}, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}))
        assert verdicts(analysis) == (True, False, False)
        path = cross_path(analysis)
        assert "mfa" not in path.requires and path.guarded is False

    def test_deny_without_mfa_if_exists_makes_mfa_required(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}),
                           deny("*", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
        assert verdicts(analysis) == (True, False, True)
        assert "mfa" in cross_path(analysis).requires

    def test_deny_with_plain_bool_false_leaves_long_term_keys_in(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}), deny("*", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
        assert verdicts(analysis) == (True, False, False)

    def test_deny_when_the_mfa_key_is_missing_leaves_sessions_without_mfa_in(self) -> None:
        # Null only tests presence: temporary credentials obtained without MFA carry "false" and get in.
        analysis = analyse(allow({"AWS": PARTNER}), deny("*", {"Null": {"aws:MultiFactorAuthPresent": "true"}}))
        assert verdicts(analysis) == (True, False, False)
        assert "mfa" not in cross_path(analysis).requires

    def test_deny_missing_or_false_mfa_makes_mfa_required(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}), deny("*", {"Null": {"aws:MultiFactorAuthPresent": "true"}}),
                           deny("*", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
        assert verdicts(analysis) == (True, False, True)

    @pytest.mark.parametrize("operator", ["NumericLessThan", "NumericLessThanEquals"])
    def test_mfa_age_counts_as_mfa_required(self, operator: str) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {operator: {"aws:MultiFactorAuthAge": "3600"}}))
        assert verdicts(analysis) == (True, False, True)
        assert "mfa" in cross_path(analysis).requires

    def test_mfa_age_if_exists_does_not(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}))
        assert verdicts(analysis) == (True, False, False)


class TestExternalId:
    def test_literal_external_id_is_required(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"StringEquals": {"sts:ExternalId": "7f3c-partner"}}))
        assert verdicts(analysis) == (True, False, True)
        assert "external_id" in cross_path(analysis).requires

    def test_two_allows_only_one_with_external_id(self) -> None:
        analysis = analyse(
            allow({"AWS": PARTNER}, {"StringEquals": {"sts:ExternalId": "7f3c-partner"}}, sid="Vendor"),
            allow({"AWS": OTHER}, sid="Audit"),
        )
        assert verdicts(analysis) == (True, False, False)
        vendor, audit = cross_path(analysis, 0), cross_path(analysis, 1)
        assert (vendor.sid, vendor.guarded, vendor.principals) == ("Vendor", True, (f"arn:aws:iam::{PARTNER}:root",))
        assert "external_id" in vendor.requires
        assert (audit.sid, audit.guarded, audit.principals) == ("Audit", False, (f"arn:aws:iam::{OTHER}:root",))
        assert analysis.outside_accounts == (PARTNER, OTHER)

    @pytest.mark.parametrize(
        "condition",
        [
            {"StringLike": {"sts:ExternalId": "*"}},
            {"StringLike": {"sts:ExternalId": "?*"}},
            {"StringLike": {"sts:ExternalId": "partner-*"}},
            {"StringNotEquals": {"sts:ExternalId": "x"}},
            {"Null": {"sts:ExternalId": "false"}},
            {"StringEqualsIfExists": {"sts:ExternalId": "7f3c-partner"}},
            {"ForAllValues:StringEquals": {"sts:ExternalId": "7f3c-partner"}},
        ],
        ids=["star", "at-least-one-char", "prefix", "not-equals", "only-present", "if-exists", "for-all-values"],
    )
    def test_external_id_an_outsider_can_choose_is_not_required(self, condition: dict[str, Any]) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, condition))
        assert verdicts(analysis) == (True, False, False)
        assert cross_path(analysis).guarded is False

    def test_several_literal_external_ids_are_still_required(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"StringEquals": {"sts:ExternalId": ["a-1", "b-2"]}}))
        assert analysis.mfa_or_external_id_required is True

    def test_external_id_or_mfa_on_separate_paths(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"StringEquals": {"sts:ExternalId": "7f3c"}}),
                           allow({"AWS": PARTNER}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
        assert verdicts(analysis) == (True, False, True)
        assert "external_id" in cross_path(analysis, 0).requires
        assert "mfa" in cross_path(analysis, 1).requires

    def test_deny_without_external_id_guards_every_allow(self) -> None:
        analysis = analyse(allow({"AWS": [PARTNER, OTHER]}),
                           deny("*", {"StringNotEquals": {"sts:ExternalId": "7f3c"}}))
        assert verdicts(analysis) == (True, False, True)


class TestAccountTrust:
    def test_own_account_is_not_cross_account(self) -> None:
        analysis = analyse(allow({"AWS": f"arn:aws:iam::{HOME}:root"}))
        assert verdicts(analysis) == (False, False, None)
        assert [p.scope for p in analysis.paths] == [Scope.SAME_ACCOUNT]

    def test_root_narrowed_to_own_roles_by_principal_arn(self) -> None:
        """checkov #7209: root trust narrowed by aws:PrincipalArn to the account's own roles."""
        analysis = analyse(allow({"AWS": f"arn:aws:iam::{HOME}:root"},
                                 {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{HOME}:role/deploy-*"}}))
        assert verdicts(analysis) == (False, False, None)
        assert [p.scope for p in analysis.paths] == [Scope.SAME_ACCOUNT]

    def test_anyone_narrowed_to_own_roles_by_principal_arn(self) -> None:
        """ScoutSuite #466: {"AWS": "*"} narrowed by aws:PrincipalArn to named roles is not public."""
        analysis = analyse(allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalArn": [
            f"arn:aws:iam::{HOME}:role/Ci", f"arn:aws:iam::{PARTNER}:role/Deployer"]}}))
        assert verdicts(analysis) == (True, False, False)
        assert analysis.outside_accounts == (PARTNER,)
        assert "principal_arn" in cross_path(analysis).requires

    def test_principal_account_narrowing(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": HOME}}))
        assert verdicts(analysis) == (False, False, None)

    def test_single_statement_object_and_assume_wildcard(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, action="sts:Assume*"), single=True)
        assert verdicts(analysis) == (True, False, False)
        assert analysis.outside_accounts == (PARTNER,)

    def test_not_assume_role_action_is_no_trust(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, action="sts:TagSession"))
        assert verdicts(analysis) == (False, False, None)
        assert analysis.paths == ()

    def test_deleted_principal_admits_nobody(self) -> None:
        analysis = analyse(allow({"AWS": "AROA1234567890EXAMPLE"}))
        assert verdicts(analysis) == (False, False, None)

    def test_unconditional_deny_closes_the_trust(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}),
                           {"Effect": "Deny", "Principal": {"AWS": PARTNER}, "Action": "sts:AssumeRole"})
        assert verdicts(analysis) == (False, False, None)

    def test_not_principal_deny_leaves_only_the_exception(self) -> None:
        session = f"arn:aws:sts::{OTHER}:assumed-role/Auditor/audit-app"
        analysis = analyse(allow({"AWS": [PARTNER, OTHER]}),
                           {"Effect": "Deny", "NotPrincipal": {"AWS": [session, f"arn:aws:iam::{OTHER}:role/Auditor",
                                                                       f"arn:aws:iam::{OTHER}:root"]},
                            "Action": "sts:AssumeRole"})
        assert verdicts(analysis) == (True, False, False)
        assert analysis.outside_accounts == (OTHER,)
        assert cross_path(analysis).example.caller.session_arn == session

    def test_not_principal_naming_only_the_role_denies_its_sessions_too(self) -> None:
        analysis = analyse(allow({"AWS": [PARTNER, OTHER]}),
                           {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{OTHER}:role/Auditor"},
                            "Action": "sts:AssumeRole"})
        assert verdicts(analysis) == (False, False, None)

    @pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
    def test_other_partitions(self, partition: str) -> None:
        zone = Zone(HOME, partition=partition)
        bare = analyse(allow({"AWS": PARTNER}), zone=zone)
        assert verdicts(bare) == (True, False, False)
        arn = analyse(allow({"AWS": f"arn:{partition}:iam::{PARTNER}:root"}), zone=zone)
        assert verdicts(arn) == (True, False, False)
        assert cross_path(arn).principals == (f"arn:{partition}:iam::{PARTNER}:root",)


class TestPublic:
    def test_bare_star_is_public(self) -> None:
        analysis = analyse(allow("*"))
        assert verdicts(analysis) == (True, True, False)
        assert analysis.public_paths and analysis.public_paths[0].principal == "*"
        assert cross_path(analysis).public

    def test_aws_star_with_external_id_is_still_public(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"StringEquals": {"sts:ExternalId": "7f3c"}}))
        assert verdicts(analysis) == (True, True, True)

    def test_aws_star_with_org_id_is_cross_account_not_public(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}))
        assert verdicts(analysis) == (True, False, False)
        assert "org" in cross_path(analysis).requires
        assert analysis.outside_accounts == ()

    def test_org_id_pattern_an_outsider_can_match_is_public(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"StringLike": {"aws:PrincipalOrgID": "o-*"}}))
        assert verdicts(analysis)[:2] == (True, True)

    def test_org_id_within_own_org_is_not_cross_account_when_members_are_known(self) -> None:
        zone = Zone(HOME, org_id="o-a1b2c3d4e5", org_accounts=frozenset({HOME}))
        analysis = analyse(allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), zone=zone)
        assert verdicts(analysis) == (False, False, None)

    def test_org_id_admits_other_members_of_the_organisation(self) -> None:
        zone = Zone(HOME, org_id="o-a1b2c3d4e5", org_accounts=frozenset({HOME, "444444444444"}))
        analysis = analyse(allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), zone=zone)
        assert verdicts(analysis) == (True, False, False)
        assert cross_path(analysis).example.caller.account == "444444444444"

    def test_another_named_organisation_is_cross_account_even_when_own_members_are_known(self) -> None:
        zone = Zone(HOME, org_id="o-a1b2c3d4e5", org_accounts=frozenset({HOME, PARTNER}))
        analysis = analyse(allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-partnerorg1"}}), zone=zone)
        assert verdicts(analysis) == (True, False, False)

    def test_principal_arn_role_name_in_any_account_is_public(self) -> None:
        """An attacker can create a role with that name in their own account."""
        analysis = analyse(allow({"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}))
        assert verdicts(analysis) == (True, True, False)

    def test_principal_account_pattern_admits_accounts_nobody_named(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"StringLike": {"aws:PrincipalAccount": "2222*"}}))
        assert verdicts(analysis) == (True, True, False)
        assert cross_path(analysis).example.caller.account.startswith("2222")

    def test_account_part_of_principal_arn_pattern(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*1:role/*"}}))
        assert verdicts(analysis) == (True, True, False)
        assert cross_path(analysis).example.caller.account.endswith("1")

    def test_principal_account_compared_as_a_number(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"NumericLessThan": {"aws:PrincipalAccount": "300000000000"}}))
        assert verdicts(analysis) == (True, True, False)
        assert int(cross_path(analysis).example.caller.account) < 300000000000

    def test_source_ip_does_not_make_a_trust_private(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))
        assert verdicts(analysis) == (True, True, False)
        assert "source_ip" in cross_path(analysis).requires


class TestWebIdentity:
    def test_github_without_subject_is_flagged_and_public(self) -> None:
        analysis = analyse(allow({"Federated": GITHUB}, {"StringEquals": {GITHUB_AUD: "sts.amazonaws.com"}},
                                 action="sts:AssumeRoleWithWebIdentity"))
        assert [e.principal for e in analysis.oidc_without_subject] == [GITHUB]
        assert analysis.public and not analysis.cross_account

    def test_github_any_repository_is_flagged_and_public(self) -> None:
        analysis = analyse(allow({"Federated": GITHUB}, {"StringLike": {GITHUB_SUB: "repo:*"},
                                                         "StringEquals": {GITHUB_AUD: "sts.amazonaws.com"}},
                                 action="sts:AssumeRoleWithWebIdentity"))
        assert analysis.oidc_without_subject and analysis.public

    @pytest.mark.parametrize("subject", ["repo:octo-org/*", "repo:octo-org/app:ref:refs/heads/main",
                                         "repo:octo-org/app:environment:prod"])
    def test_github_pinned_to_an_owner_is_neither(self, subject: str) -> None:
        analysis = analyse(allow({"Federated": GITHUB}, {"StringLike": {GITHUB_SUB: subject},
                                                         "StringEquals": {GITHUB_AUD: "sts.amazonaws.com"}},
                                 action="sts:AssumeRoleWithWebIdentity"))
        assert not analysis.oidc_without_subject and not analysis.public
        assert ("oidc_sub" in analysis.paths[0].requires) == ("*" not in subject)  # pinned to one literal

    def test_eks_irsa_with_pinned_service_account_is_not_flagged(self) -> None:
        analysis = analyse(allow({"Federated": EKS}, {"StringEquals": {
            f"{EKS_HOST}:sub": "system:serviceaccount:payments:api", f"{EKS_HOST}:aud": "sts.amazonaws.com"}},
            action="sts:AssumeRoleWithWebIdentity"))
        assert not analysis.oidc_without_subject and not analysis.public and not analysis.cross_account
        assert set(analysis.paths[0].requires) >= {"oidc_sub", "oidc_aud"}

    def test_eks_irsa_without_subject_is_flagged_not_public(self) -> None:
        analysis = analyse(allow({"Federated": EKS}, {"StringEquals": {f"{EKS_HOST}:aud": "sts.amazonaws.com"}},
                                 action="sts:AssumeRoleWithWebIdentity"))
        assert [e.principal for e in analysis.oidc_without_subject] == [EKS]
        assert not analysis.public

    def test_google_is_a_public_identity_provider(self) -> None:
        analysis = analyse(allow({"Federated": "accounts.google.com"}, action="sts:AssumeRoleWithWebIdentity"))
        assert analysis.public and analysis.oidc_without_subject

    def test_bare_star_admits_tokens_of_public_identity_providers(self) -> None:
        analysis = analyse(allow("*", action="sts:AssumeRoleWithWebIdentity"))
        assert analysis.public and not analysis.cross_account
        assert {e.principal for e in analysis.public_paths} >= {"accounts.google.com", "cognito-identity.amazonaws.com"}
        assert {e.principal for e in analysis.oidc_without_subject} == {
            "accounts.google.com", "cognito-identity.amazonaws.com", "graph.facebook.com", "www.amazon.com"}

    def test_bare_star_with_a_pinned_google_subject_is_not_public(self) -> None:
        analysis = analyse(allow("*", {"StringEquals": {"accounts.google.com:sub": "1098765432123456789"}},
                                 action="sts:AssumeRoleWithWebIdentity"))
        assert not analysis.public and analysis.oidc_without_subject == ()

    def test_bare_star_with_conditions_on_github_claims_admits_any_repository(self) -> None:
        analysis = analyse(allow("*", {"StringLike": {GITHUB_SUB: "repo:*"}}, action="sts:AssumeRoleWithWebIdentity"))
        assert analysis.public
        assert [e.principal for e in analysis.oidc_without_subject] == [GITHUB]

    def test_bare_star_with_github_pinned_to_an_owner(self) -> None:
        analysis = analyse(allow("*", {"StringLike": {GITHUB_SUB: "repo:octo-org/*"}},
                                 action="sts:AssumeRoleWithWebIdentity"))
        assert not analysis.public and analysis.oidc_without_subject == ()

    def test_bare_star_admits_the_providers_other_statements_name(self) -> None:
        analysis = analyse(allow({"Federated": GITHUB}, {"StringEquals": {GITHUB_SUB: "repo:o/a:ref:refs/heads/main"}},
                                 action="sts:AssumeRoleWithWebIdentity"),
                           allow("*", {"StringEquals": {GITHUB_AUD: "sts.amazonaws.com"}},
                                 action="sts:AssumeRoleWithWebIdentity"))
        assert [(e.statement, e.principal) for e in analysis.oidc_without_subject] == [(1, GITHUB)]

    def test_aws_star_admits_no_web_identity(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, action="sts:AssumeRoleWithWebIdentity"))
        assert not analysis.public and analysis.paths == ()

    def test_web_identity_needs_the_web_identity_action(self) -> None:
        analysis = analyse(allow({"Federated": GITHUB}))
        assert analysis.paths == () and not analysis.public


class TestSamlAndServices:
    def test_saml_without_audience_is_flagged(self) -> None:
        analysis = analyse(allow({"Federated": SAML}, action="sts:AssumeRoleWithSAML"))
        assert [e.principal for e in analysis.saml_without_audience] == [SAML]
        assert not analysis.cross_account and not analysis.public

    def test_saml_with_audience_is_not(self) -> None:
        analysis = analyse(allow({"Federated": SAML}, {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
                                 action="sts:AssumeRoleWithSAML"))
        assert analysis.saml_without_audience == ()
        assert analysis.paths[0].requires == ("saml_aud",)

    def test_service_without_source_account_is_flagged(self) -> None:
        analysis = analyse(allow({"Service": "config.amazonaws.com"}))
        assert [e.principal for e in analysis.service_without_source] == ["config.amazonaws.com"]
        assert verdicts(analysis) == (False, False, None)
        assert [p.scope for p in analysis.paths] == [Scope.SERVICE]

    @pytest.mark.parametrize("condition", [
        {"StringEquals": {"aws:SourceAccount": HOME}},
        {"ArnEquals": {"aws:SourceArn": f"arn:aws:config:eu-west-1:{HOME}:config-rule/rule-1"}},
        {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}},
    ])
    def test_service_with_source_condition_is_not(self, condition: dict[str, Any]) -> None:
        analysis = analyse(allow({"Service": "config.amazonaws.com"}, condition))
        assert analysis.service_without_source == ()

    def test_bare_star_admits_a_service_another_statement_names(self) -> None:
        analysis = analyse(allow({"Service": "config.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": HOME}}),
                           allow("*", {"Bool": {"aws:SecureTransport": "true"}}))
        assert [(e.statement, e.principal) for e in analysis.service_without_source] == [
            (1, "config.amazonaws.com")]

    def test_service_with_source_if_exists_is_still_flagged(self) -> None:
        analysis = analyse(allow({"Service": "config.amazonaws.com"},
                                 {"StringEqualsIfExists": {"aws:SourceAccount": HOME}}))
        assert analysis.service_without_source


class TestNull:
    def test_null_external_id_false_only_demands_presence(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"Null": {"sts:ExternalId": "false"}}))
        assert verdicts(analysis) == (True, False, False)

    def test_null_org_true_shuts_out_organisation_members(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"Null": {"aws:PrincipalOrgID": "true"},
                                                "StringEquals": {"sts:ExternalId": "7f3c"}}))
        assert verdicts(analysis) == (True, True, True)

    def test_null_principal_arn_true_admits_no_aws_caller(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"Null": {"aws:PrincipalArn": "true"}}))
        assert verdicts(analysis) == (False, False, None)


class TestSetQualifiers:
    def test_for_all_values_on_org_id(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"ForAllValues:StringLike": {"aws:PrincipalOrgID": ["o-aaa*"]}}))
        assert verdicts(analysis) == (True, True, False)  # an account outside any organisation has no org id

    def test_for_any_value_on_org_id(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"ForAnyValue:StringLike": {"aws:PrincipalOrgID": ["o-*"]}}))
        assert verdicts(analysis) == (True, True, False)

    def test_for_any_value_pinned_org_is_not_public(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-aaa"]}}))
        assert verdicts(analysis) == (True, False, False)


class TestPolicyVariables:
    """Every example request below is checked against evaluate() by ``analyse``."""

    def test_external_id_equal_to_the_callers_account_is_no_secret(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"StringEquals": {"sts:ExternalId": "${aws:PrincipalAccount}"}}))
        assert verdicts(analysis) == (True, False, False)
        assert cross_path(analysis).example.context["sts:externalid"] == (PARTNER,)

    def test_role_name_in_the_callers_own_account_is_public(self) -> None:
        analysis = analyse(allow({"AWS": "*"}, {
            "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/ci"}}))
        assert verdicts(analysis) == (True, True, False)

    @pytest.mark.parametrize(("operator", "value"), [
        ("StringEquals", "${aws:username}"),
        ("StringLike", "ci-${aws:username}-*"),
        ("StringEquals", "ci-${aws:userid}*"),
        ("StringEqualsIgnoreCase", "CI-${aws:username}"),
        ("StringEquals", "${aws:username, 'nobody'}"),
    ])
    def test_session_name_tied_to_the_caller(self, operator: str, value: str) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {operator: {"sts:RoleSessionName": value}}))
        assert verdicts(analysis) == (True, False, False)

    def test_deny_escaped_by_matching_a_variable(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}),
                           deny("*", {"StringNotEquals": {"sts:RoleSessionName": "${aws:username}"}}))
        assert verdicts(analysis) == (True, False, False)

    def test_escaped_characters(self) -> None:
        analysis = analyse(allow({"AWS": PARTNER}, {"StringLike": {"sts:ExternalId": "a${*}b"}}))
        assert verdicts(analysis) == (True, False, True)
        assert cross_path(analysis).example.context["sts:externalid"] == ("a*b",)


class TestRoleSessionsCarryTheMfaKey:
    """Role sessions run on temporary credentials, which always carry aws:MultiFactorAuthPresent."""

    def test_bool_if_exists_mfa_on_a_role_principal_requires_mfa(self) -> None:
        condition = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
        role_principal = analyse(allow({"AWS": f"arn:aws:iam::{PARTNER}:role/ops"}, condition=condition))
        assert role_principal.mfa_or_external_id_required is True
        account_principal = analyse(allow({"AWS": PARTNER}, condition=condition))
        assert account_principal.mfa_or_external_id_required is False  # its IAM users may use long-term keys
