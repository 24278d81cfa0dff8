"""Subject patterns, organisation paths and ExternalId patterns, from the providers' own documentation.

* GitHub: subjects are ``repo:OWNER/REPO:<context>`` and an owner may choose which claims make up the
  subject of its own repositories (OIDC subject customisation, ``include_claim_keys``).
* GitLab: ``project_path:GROUP[/SUBGROUP]/PROJECT:ref_type:branch:ref:main``.
* Terraform Cloud: ``organization:ORG:project:PROJECT:workspace:WS:run_phase:plan|apply``.
* IAM: ``aws:PrincipalOrgPaths`` holds ``o-ORG/r-ROOT/ou-.../`` paths (``ForAnyValue:StringLike``).
* Spacelift: ExternalId ``<account>@<integration>@<stack>@<read|write>``, patterns like
  ``example@*@stack-a@*``; Lacework: ``lweid:<csp>:<version>:<tenant>:<account>:<random>``.

Every exposure's example is a request the evaluator allows, with the outsider's choices spelled out.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolescope.policy.evaluate import evaluate
from rolescope.policy.glob import FRESH, glob_match
from rolescope.policy.parse import parse_policy
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.witness import Zone

HOME, PARTNER = "111111111111", "222222222222"
GITHUB_HOST = "token.actions.githubusercontent.com"
SUB, AUD = f"{GITHUB_HOST}:sub", f"{GITHUB_HOST}:aud"
WEB = "sts:AssumeRoleWithWebIdentity"
PATTERN_MINIMUM = 12  # the catalogue's min_external_id_pattern_literals


def provider(host: str) -> str:
    return f"arn:aws:iam::{HOME}:oidc-provider/{host}"


def analyse(*statements: dict[str, Any], minimum: int | None = PATTERN_MINIMUM) -> TrustAnalysis:
    policy = parse_policy({"Version": "2012-10-17", "Statement": list(statements)})
    analysis = analyse_trust(policy, Zone(HOME), minimum)
    for way in (*analysis.oidc_without_subject, *analysis.public_paths, *analysis.paths):
        assert way.example is not None and evaluate(policy, way.example).allowed
    return analysis


def web(host: str, condition: dict[str, Any], effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Principal": {"Federated": provider(host)}, "Action": WEB, "Condition": condition}


def github(operator: str, *subjects: str) -> TrustAnalysis:
    value: Any = subjects[0] if len(subjects) == 1 else list(subjects)
    condition: dict[str, Any] = {"StringEquals": {AUD: "sts.amazonaws.com"}}
    condition.setdefault(operator, {})[SUB] = value
    return analyse(web(GITHUB_HOST, condition))


def witness(analysis: TrustAnalysis, key: str = SUB) -> str:
    example = analysis.oidc_without_subject[0].example
    assert example is not None
    return example.context[key][0]


class TestGithubSubjects:
    @pytest.mark.parametrize("pattern", ["repo:octo-org*", "repo:o*", "repo:*/infra:*", "repo:octo-org?/*",
                                         "*", "repo:*", "*:ref:refs/heads/main", "repository_owner:octo-org*"])
    def test_a_pattern_that_leaves_the_owner_open_is_public(self, pattern: str) -> None:
        analysis = github("StringLike", pattern)
        assert analysis.public and analysis.oidc_without_subject
        subject = witness(analysis)
        assert FRESH not in subject and glob_match(pattern, subject)
        assert not subject.startswith(("repo:octo-org/", "repository_owner:octo-org:"))

    @pytest.mark.parametrize(("pattern", "subject"), [
        ("repo:octo-org*", "repo:octo-org-evil/evil:ref:refs/heads/main"),
        ("repo:*/infra:*", "repo:evil/infra:ref:refs/heads/main"),
        ("repo:o?/*", "repo:ox/x:ref:refs/heads/main"),  # "?" takes one character: "-evil" would not fit
    ])
    def test_the_witness_is_an_outsiders_repository_shaped_like_a_real_subject(self, pattern: str,
                                                                                 subject: str) -> None:
        assert witness(github("StringLike", pattern)) == subject

    @pytest.mark.parametrize("pattern", ["repo:octo-org/*", "repo:octo-org/?*", "repo:octo-org/infra:*",
                                         "repo:octo-org/infra:environment:prod", "repository_owner:octo-org",
                                         "repository_owner_id:1234567:*", "repo:octo-org/*:ref:refs/heads/main"])
    def test_a_pattern_that_fixes_the_owner_confines(self, pattern: str) -> None:
        analysis = github("StringLike", pattern)
        assert not analysis.public and not analysis.oidc_without_subject

    def test_several_exact_subjects_each_confine(self) -> None:
        analysis = github("StringEquals", "repo:octo-org/a:ref:refs/heads/main", "repo:other-org/b:environment:prod")
        assert not analysis.public and not analysis.oidc_without_subject

    def test_for_any_value_string_like_is_read_the_same(self) -> None:
        assert github("ForAnyValue:StringLike", "repo:octo-org*").public
        assert not github("ForAnyValue:StringLike", "repo:octo-org/*").public

    def test_a_subject_with_no_owner_claim_is_anybodys(self) -> None:
        """With a customised subject an outsider's own repositories carry ``environment:prod`` too."""
        analysis = github("StringEquals", "environment:prod")
        assert analysis.public and witness(analysis) == "environment:prod"

    def test_a_deny_outside_the_owner_confines(self) -> None:
        analysis = analyse(web(GITHUB_HOST, {"StringLike": {SUB: "*"}}),
                           {"Effect": "Deny", "Principal": "*", "Action": WEB,
                            "Condition": {"StringNotLike": {SUB: "repo:octo-org/*"}}})
        assert not analysis.public and not analysis.oidc_without_subject

    def test_a_deny_of_one_other_owner_does_not(self) -> None:
        analysis = analyse(web(GITHUB_HOST, {"StringLike": {SUB: "repo:octo-org*"}}),
                           {"Effect": "Deny", "Principal": "*", "Action": WEB,
                            "Condition": {"StringLike": {SUB: "repo:octo-org-evil/*"}}})
        assert analysis.public and not witness(analysis).startswith("repo:octo-org-evil/")

    def test_the_audience_is_still_required(self) -> None:
        analysis = github("StringLike", "repo:octo-org*")
        example = analysis.oidc_without_subject[0].example
        assert example is not None and example.context[AUD] == ("sts.amazonaws.com",)
        assert "oidc_aud" in analysis.paths[0].requires

    def test_an_enterprise_issuer_is_not_public_but_still_needs_the_owner(self) -> None:
        host = f"{GITHUB_HOST}/octo-enterprise"
        loose = analyse(web(host, {"StringLike": {f"{host}:sub": "repo:octo*"}}))
        assert loose.oidc_without_subject and not loose.public
        assert not analyse(web(host, {"StringLike": {f"{host}:sub": "repo:octo-org/*"}})).oidc_without_subject


class TestOtherIssuers:
    @pytest.mark.parametrize(("pattern", "confined"), [
        ("project_path:mygroup/*", True), ("project_path:mygroup/sub/app:ref_type:branch:ref:main", True),
        ("project_path:mygroup*", False), ("project_path:*/app:*", False)])
    def test_gitlab_confines_by_top_level_group(self, pattern: str, confined: bool) -> None:
        analysis = analyse(web("gitlab.com", {"StringLike": {"gitlab.com:sub": pattern}}))
        assert analysis.public is not confined and bool(analysis.oidc_without_subject) is not confined
        if not confined:
            assert witness(analysis, "gitlab.com:sub").startswith("project_path:")

    def test_self_managed_gitlab_reads_the_same_but_is_not_public(self) -> None:
        host = "gitlab.example.com"
        assert not analyse(web(host, {"StringLike": {f"{host}:sub": "project_path:mygroup/*"}})).oidc_without_subject
        loose = analyse(web(host, {"StringLike": {f"{host}:sub": "project_path:my*"}}))
        assert loose.oidc_without_subject and not loose.public

    @pytest.mark.parametrize(("pattern", "confined"), [
        ("organization:my-org:project:*:workspace:*:run_phase:*", True), ("organization:my-org:*", True),
        ("organization:my-org*", False), ("organization:*:workspace:prod:*", False)])
    def test_terraform_cloud_confines_by_organization(self, pattern: str, confined: bool) -> None:
        analysis = analyse(web("app.terraform.io", {"StringLike": {"app.terraform.io:sub": pattern}}))
        assert analysis.public is not confined

    def test_other_issuers_need_the_whole_subject(self) -> None:
        host = "oidc.eks.eu-west-1.amazonaws.com/id/5C9A1B2C3D4E5F60718293A4B5C6D7E8"
        wild = analyse(web(host, {"StringLike": {f"{host}:sub": "system:serviceaccount:payments:*"}}))
        assert wild.oidc_without_subject and not wild.public
        exact = analyse(web(host, {"StringEquals": {f"{host}:sub": "system:serviceaccount:payments:api"}}))
        assert not exact.oidc_without_subject


ORG_PATH = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"


def anyone(condition: dict[str, Any], *more: dict[str, Any]) -> TrustAnalysis:
    return analyse({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                    "Condition": condition}, *more)


class TestOrganizationPaths:
    @pytest.mark.parametrize("condition", [
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ORG_PATH}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [ORG_PATH, "o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*"]}},
        {"StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*"}},
        {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"}},
    ])
    def test_a_path_that_fixes_the_organisation_is_cross_account_not_public(self, condition: dict[str, Any]) -> None:
        analysis = anyone(condition)
        assert analysis.cross_account and not analysis.public
        assert all("org" in p.requires for p in analysis.paths if p.scope.value == "cross-account")

    def test_a_deny_outside_the_path_confines(self) -> None:
        analysis = anyone({}, {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
                               "Condition": {"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": ORG_PATH}}})
        assert analysis.cross_account and not analysis.public

    @pytest.mark.parametrize("pattern", ["o-*/r-ab12/*", "*/r-ab12/ou-ab12-11111111/*", "o-a1b2c3d4e5*", "*"])
    def test_a_path_that_leaves_the_organisation_open_is_public(self, pattern: str) -> None:
        assert anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": pattern}}).public


def vendor(condition: dict[str, Any], *more: dict[str, Any], minimum: int | None = PATTERN_MINIMUM) -> TrustAnalysis:
    return analyse({"Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "sts:AssumeRole",
                    "Condition": condition}, *more, minimum=minimum)


class TestExternalIdPatterns:
    @pytest.mark.parametrize("pattern", ["example@*@stack-a@*", "lweid:aws:v2:acme-prod:*", "nw-audit-5b1f0c*"])
    def test_a_pattern_that_fixes_the_customer_is_a_requirement(self, pattern: str) -> None:
        analysis = vendor({"StringLike": {"sts:ExternalId": pattern}})
        assert analysis.mfa_or_external_id_required
        assert "external_id" in analysis.paths[0].requires

    @pytest.mark.parametrize("pattern", ["*", "?*", "??*", "*@*@*@write", "lweid:aws:v2:*", "@@@@@@@@@@@@@@@@*"])
    def test_a_pattern_that_fixes_no_customer_is_not(self, pattern: str) -> None:
        assert not vendor({"StringLike": {"sts:ExternalId": pattern}}).mfa_or_external_id_required

    def test_without_a_minimum_only_exact_values_count(self) -> None:
        assert not vendor({"StringLike": {"sts:ExternalId": "example@*@stack-a@*"}},
                          minimum=None).mfa_or_external_id_required

    def test_the_minimum_is_a_threshold(self) -> None:
        condition = {"StringLike": {"sts:ExternalId": "example@*@stack-a@*"}}  # 13 letters and digits
        assert vendor(condition, minimum=13).mfa_or_external_id_required
        assert not vendor(condition, minimum=14).mfa_or_external_id_required

    def test_a_deny_outside_the_pattern_is_a_requirement_too(self) -> None:
        analysis = vendor({}, {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
                               "Condition": {"StringNotLike": {"sts:ExternalId": "example@*@stack-a@*"}}})
        assert analysis.mfa_or_external_id_required


OWNERS = st.sampled_from(["octo-org", "o", "octo"])
PIECES = st.lists(st.sampled_from(["*", "?", "/", ":", "-", "org", "octo", "repo:", "ref", "x"]), max_size=5)


@given(owner=OWNERS, separator=st.sampled_from(["", "/", "-", "*", "?"]), tail=PIECES)
def test_github_exposure_examples_are_allowed_and_owned_by_somebody_else(owner: str, separator: str,
                                                                          tail: list[str]) -> None:
    """Soundness: every witness satisfies the policy. Exactness on the owner: a pattern confines exactly
    when no wildcard comes before the first "/" (the owner is spelled out)."""
    pattern = f"repo:{owner}{separator}{''.join(tail)}"
    analysis = github("StringLike", pattern)  # analyse() checks each example against the evaluator
    owner_part = pattern[len("repo:"):].split("/", 1)[0]
    pinned = "*" not in owner_part and "?" not in owner_part
    assert analysis.public is not pinned
    if not pinned:
        subject = witness(analysis)
        assert glob_match(pattern, subject) or FRESH in subject
        assert not subject.startswith(f"repo:{owner}/")


@pytest.mark.parametrize(("first", "second"), [
    # literal subjects: one names an owner, the other does not
    ((GITHUB_HOST, "repo:octo-org/app"), (GITHUB_HOST, "environment:production")),
    # the same pattern under an issuer that names owners and one that does not
    (("gitlab.example.com", "project_path:mygroup/*"), ("oidc.example.com", "project_path:mygroup/*")),
])
def test_documents_judged_differently_never_share_an_analysis(first: tuple[str, str],
                                                              second: tuple[str, str]) -> None:
    """The scan shares one analysis among documents that differ only in names the verdicts cannot see
    (rolescope.trust.canonical): a subject's owner claim and its issuer's grammar are seen."""
    from rolescope.scanner import TrustCache

    cache = TrustCache()
    for host, subject in (first, second):
        operator = "StringLike" if "*" in subject else "StringEquals"
        document = {"Version": "2012-10-17", "Statement": [web(host, {operator: {f"{host}:sub": subject}})]}
        shared = cache.analyse(document, Zone(HOME), PATTERN_MINIMUM)
        direct = analyse_trust(parse_policy(document), Zone(HOME), PATTERN_MINIMUM)
        assert (shared.public, shared.oidc_without_subject) == (direct.public, direct.oidc_without_subject)
