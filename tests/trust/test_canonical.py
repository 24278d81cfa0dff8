"""Shared analyses (rolescope.trust.canonical) are exactly the analyses the search computes directly.

Every test analyses one policy through a :class:`TrustCache` that has already seen a renamed twin
(another own account, other ExternalIds / subjects / source ARNs), and compares everything the
analysis holds, examples included, with a direct :func:`analyse_trust`.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.generate import generate
from hypothesis import assume, event, given, note
from hypothesis import strategies as st
from tests.trust.dense_org import dense_organization
from tests.trust.renaming_oracle import instantiate

from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import Finding
from rolescope.checks.registry import ACCOUNT_CHECKS, CHECKS, checks_for
from rolescope.cli.demo import sample_org_path
from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.inventory.model import AccountSnapshot, Organization
from rolescope.policy.errors import PolicyError
from rolescope.policy.parse import parse_policy
from rolescope.scanner import TrustCache, scan_snapshot, zone_for
from rolescope.trust import canonical
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.witness import Zone

PARTNER = "222222222222"
OWN_ACCOUNTS = ["111111111111", "123456789012", "555555555555", "000000000001", "999999999999", PARTNER]
# Other accounts: org members, outsiders, the top of the id space the search draws representatives from.
OTHER_ACCOUNTS = [PARTNER, "333333333333", "444444444444", "999999999999", "000000000000", "111111111111",
                  "999999999998"]
VALUES = ["abc", "prod-7f3a9c", "repo:acme/api:ref:refs/heads/main", "system:serviceaccount:apps:api",
          "arn:aws:lambda:us-east-1:{own}:function:f", "a:b", "", "x*", "${aws:username}", "o-aaa", "{own}",
          "https://signin.aws.amazon.com/saml", "sts.amazonaws.com", "arn:aws:s3:::bucket", "{o0}", "pre"]
NAMES = ["app", "App", "service-role/app-1", "ci/deployer", "deployer", "x-{own}", "cdk-{own}-us-east-1", "a/b/app",
         "app2", "deploy"]
HOSTS = ["oidc.eks.us-east-1.amazonaws.com/id/ABC123", "oidc.eks.us-east-1.amazonaws.com/id/ABC1234",
         "oidc.eks.eu-west-1.amazonaws.com/id/5B80", "OIDC.eks.us-east-1.amazonaws.com/id/abc123",
         "example.com/issuer", "zzz.example.org", "token.actions.githubusercontent.com", "accounts.google.com",
         "oidc.eks.us-east-1.amazonaws.com/id/123456789012", "oidc.eks.eu-west-1.amazonaws.com/id/X{own}Y"]
ORG_PATHS = ["o-aaa/r-ab12/ou-ab12-11111111/", "o-aaa/r-ab12/ou-ab12-22222222/ou-ab12-33333333/", "o-aaa/r-ab12/",
             "o-bbb/r-cd34/ou-cd34-44444444/"]
UNIQUE_IDS = ["AROAAAAAAAAAAAAAAAAAA", "AIDABBBBBBBBBBBBBBBBB", "AROAC123456789012CCCC"]
SIDS = ["", "S1", "Sid2", "{own}", None]
VERSIONS = ["2012-10-17", "2008-10-17", None]
ACTION_LISTS: list[Any] = ["sts:AssumeRole", ["sts:AssumeRole", "sts:TagSession"], "sts:*", ["sts:assumerole"],
                           ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole"], "sts:AssumeRoleWithWebIdentity",
                           ["sts:AssumeRoleWithSAML", "sts:TagSession"]]
EKS = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
GITHUB = "token.actions.githubusercontent.com"
PRINCIPALS = [
    {"AWS": "arn:aws:iam::{own}:root"}, {"AWS": "{own}"}, {"AWS": f"arn:aws:iam::{PARTNER}:root"},
    {"AWS": "arn:aws:iam::333333333333:role/deployer"}, {"AWS": "*"}, "*", {"AWS": "arn:aws:iam::{own}:role/app"},
    {"Service": "lambda.amazonaws.com"}, {"Federated": f"arn:aws:iam::{{own}}:oidc-provider/{EKS}"},
    {"Federated": f"arn:aws:iam::{{own}}:oidc-provider/{GITHUB}"},
    {"Federated": "arn:aws:iam::{own}:saml-provider/Okta"},
    {"AWS": ["arn:aws:iam::{own}:root", "arn:aws:iam::444444444444:root"]},
    # Names that differ from one twin to the other.
    {"AWS": "arn:aws:iam::{own}:role/{n0}"}, {"AWS": "arn:aws:iam::{o0}:role/{n1}"},
    {"AWS": "arn:aws:iam::{own}:user/{n1}"}, {"AWS": ["arn:aws:iam::{own}:role/{n0}", "arn:aws:iam::{own}:role/{n1}"]},
    {"AWS": ["{u0}", "arn:aws:iam::{o0}:role/{n0}"]}, {"AWS": "{u0}"}, {"AWS": "arn:aws:iam::{o0}:root"},
    {"AWS": "{o1}"}, {"AWS": ["arn:aws:iam::{o0}:root", "arn:aws:iam::{o1}:root"]},
    {"Federated": "arn:aws:iam::{own}:oidc-provider/{h0}"}, {"Federated": "arn:aws:iam::{o0}:oidc-provider/{h1}"},
    {"Federated": "arn:aws:iam::{own}:saml-provider/{n1}"}, {"AWS": "arn:aws:sts::{own}:assumed-role/{n0}/s"},
    {"AWS": ["arn:aws:iam::{own}:role/{n0}", "arn:aws:iam::{o0}:root"], "Service": "events.amazonaws.com"},
    {"AWS": "arn:aws-cn:iam::{o0}:role/{n0}"}, {"AWS": "arn:aws:sts::{o1}:federated-user/{n1}"},
]
ACTIONS = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "sts:*",
           ["sts:AssumeRole", "sts:TagSession"], "{a0}"]
OPERATORS = ["StringEquals", "StringNotEquals", "StringLike", "StringEqualsIfExists", "ArnLike", "ArnEquals",
             "ArnNotLike", "StringEqualsIgnoreCase", "ForAnyValue:StringEquals", "ForAnyValue:StringLike",
             "StringNotLike", "NumericLessThan"]
KEYS = ["sts:ExternalId", "aws:SourceArn", "aws:SourceAccount", f"{EKS}:sub", f"{GITHUB}:sub", f"{GITHUB}:aud",
        "SAML:aud", "aws:PrincipalOrgID", "aws:PrincipalArn", "aws:SourceIp", "{h0}:sub", "{h0}:aud", "{h1}:sub",
        "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:MultiFactorAuthPresent"]
CONDITION_VALUES = ["{v0}", "{v1}", "{own}", "arn:aws:lambda:us-east-1:{own}:function:{v0}", "literal-value", "pre-*",
                    "{o0}", "{o1}", "arn:aws:iam::{own}:role/aws-reserved/*", "arn:aws:iam::{o0}:role/{n0}",
                    "arn:aws:iam::{own}:role/{n0}", "{ou}*", "system:serviceaccount:ns:*", "pre*", "pre", "{v0}*",
                    "arn:aws:events:us-east-1:{own}:rule/*", "{own}*", "arn:aws:iam::{own}:", "{n0}", "{h0}"]


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    """A trust policy with placeholders for what differs between twins: ``{own}`` the role's account,
    ``{o0}``/``{o1}`` other accounts, ``{v0}``/``{v1}`` values, ``{n0}``/``{n1}`` principal names,
    ``{h0}``/``{h1}`` OIDC issuers, ``{u0}`` a unique id, ``{ou}`` an organisation path, ``{sN}`` Sids,
    ``{a0}`` an action list and ``{version}`` the policy version."""
    statements = []
    for index in range(draw(st.integers(1, 3))):
        effect = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
        whom = "NotPrincipal" if effect == "Deny" and draw(st.booleans()) else "Principal"  # NotPrincipal: Deny only
        statement: dict[str, Any] = {
            "Sid": f"{{s{index}}}",
            "Effect": effect,
            whom: draw(st.sampled_from(PRINCIPALS)),
            "Action": draw(st.sampled_from(ACTIONS)),
        }
        conditions: dict[str, dict[str, Any]] = {}
        for _ in range(draw(st.integers(0, 3))):
            key = draw(st.sampled_from(KEYS))
            if key == "aws:SourceIp":
                conditions.setdefault("NotIpAddress", {})[key] = "10.0.0.0/8"
                continue
            if key == "aws:MultiFactorAuthPresent":
                conditions.setdefault("Bool", {})[key] = "true"
                continue
            if draw(st.integers(0, 5)) == 0:
                conditions.setdefault("Null", {})[key] = draw(st.sampled_from(["true", "false"]))
                continue
            operator = draw(st.sampled_from(OPERATORS))
            values = draw(st.lists(st.sampled_from(CONDITION_VALUES), min_size=1, max_size=2))
            conditions.setdefault(operator, {})[key] = values[0] if len(values) == 1 else values
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return {"Version": "{version}", "Statement": statements}


POOLS: dict[str, list[Any]] = {"o0": OTHER_ACCOUNTS, "o1": OTHER_ACCOUNTS, "n0": NAMES, "n1": NAMES, "h0": HOSTS,
                               "h1": HOSTS, "u0": UNIQUE_IDS, "ou": ORG_PATHS, "a0": ACTION_LISTS, "version": VERSIONS}


@st.composite
def fillings(draw: st.DrawFn) -> list[dict[str, Any]]:
    """What two twins put in the placeholders (the role's account apart): each placeholder the same in
    both, or drawn again for the second (so that many pairs are twins, and many are not)."""
    first = {name: draw(st.sampled_from(pool)) for name, pool in POOLS.items()}
    first["sids"] = draw(st.lists(st.sampled_from(SIDS), min_size=3, max_size=3))
    second = {name: value if draw(st.booleans()) else draw(st.sampled_from(POOLS[name]))
              for name, value in first.items() if name in POOLS}
    second["sids"] = draw(st.lists(st.sampled_from(SIDS), min_size=3, max_size=3))
    return [first, second]


def fill(template: dict[str, Any], own: str, values: list[str], names: dict[str, Any] | None = None
         ) -> dict[str, Any]:
    """``template`` with ``own`` for the role's account, ``values`` for ``{v0}``/``{v1}`` and ``names`` for
    the other placeholders (``None``: those of the first twin drawn for every test before names existed)."""
    given_names = names or {"o0": PARTNER, "o1": "444444444444", "n0": "app", "n1": "deployer", "h0": EKS,
                            "h1": "example.com/issuer", "u0": UNIQUE_IDS[0], "ou": ORG_PATHS[0],
                            "sids": [None] * 3, "a0": "sts:AssumeRole", "version": "2012-10-17"}
    text = json.dumps(template).replace("{v0}", values[0]).replace("{v1}", values[1])
    for name in ("o0", "o1", "n0", "n1", "h0", "h1", "u0", "ou"):
        text = text.replace(f"{{{name}}}", given_names[name])
    document = json.loads(text.replace("{own}", own))
    for index, statement in enumerate(document["Statement"]):
        sid = given_names["sids"][index]
        if sid is None:
            statement.pop("Sid", None)
        else:
            statement["Sid"] = sid.replace("{own}", own)
        if statement["Action"] == "{a0}":
            statement["Action"] = given_names["a0"]
    if given_names["version"] is None:
        document.pop("Version")
    else:
        document["Version"] = given_names["version"]
    return document


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
    names=fillings(),
    org=st.booleans(),
    members=st.sampled_from([(), (PARTNER,), tuple(OWN_ACCOUNTS), ("000000000000",), ("333333333333", "999999999998")]),
)
def test_a_renamed_analysis_is_the_direct_one(template: dict[str, Any], first: str, second: str, values: list[str],
                                              names: list[dict[str, Any]], org: bool, members: tuple[str, ...]
                                              ) -> None:
    seen = fill(template, first, [v.replace("{own}", first) for v in values[:2]], names[0])
    asked = fill(template, second, [v.replace("{own}", second) for v in values[2:]], names[1])
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
    # scan_snapshot chooses the checks once per origin: every check's applies answers alike for twins
    assert checks_for(cache.origin(shared), CHECKS) == checks_for(direct, CHECKS)


@st.composite
def twin_values(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    first = draw(st.lists(st.sampled_from(VALUES), min_size=2, max_size=2))
    return first, [v if draw(st.booleans()) else draw(st.sampled_from(VALUES)) for v in first]


@given(
    template=templates(), own=st.lists(st.sampled_from(OWN_ACCOUNTS), min_size=2, max_size=2, unique=True),
    values=twin_values(), names=fillings(),
    members=st.sampled_from([(), (PARTNER,), ("333333333333", "999999999998", PARTNER)]),
)
def test_likely_twins_across_accounts_agree(template: dict[str, Any], own: list[str],
                                            values: tuple[list[str], list[str]], names: list[dict[str, Any]],
                                            members: tuple[str, ...]) -> None:
    """Twins in two member accounts whose other names mostly match (so that most pairs share)."""
    documents = [fill(template, account, [v.replace("{own}", account) for v in found], named)
                 for account, found, named in zip(own, values, names, strict=True)]
    note(json.dumps(documents))
    try:
        policy = [parse_policy(d) for d in documents][1]
    except PolicyError:
        assume(False)
        return
    # The smallest member is the one the search tries for "another member": the same for both twins.
    where = [zone(account, True, ("000000000000", *members, *own)) for account in own]
    cache = TrustCache()
    cache.analyse(documents[0], where[0])
    shared = cache.analyse(documents[1], where[1])
    event("renamed" if cache.stats["renamed"] else "searched")
    direct = analyse_trust(policy, where[1])
    assert facts(shared) == facts(direct)
    assert shared.policy == policy
    assert checks_for(cache.origin(shared), CHECKS) == checks_for(direct, CHECKS)


@given(
    template=templates(), own=st.lists(st.sampled_from(OWN_ACCOUNTS), min_size=2, max_size=2, unique=True),
    values=twin_values(), names=fillings(),
    members=st.sampled_from([(), (PARTNER,), ("333333333333", "999999999998", PARTNER)]),
)
def test_a_compiled_renaming_renames_as_the_renaming_does(template: dict[str, Any], own: list[str],
                                                          values: tuple[list[str], list[str]],
                                                          names: list[dict[str, Any]],
                                                          members: tuple[str, ...]) -> None:
    """TrustCache renames through a plan compiled once per template (canonical.plan, canonical.rename):
    twin by twin, the same analysis as the general Renaming (renaming_oracle), examples included."""
    documents = [fill(template, account, [v.replace("{own}", account) for v in found], named)
                 for account, found, named in zip(own, values, names, strict=True)]
    note(json.dumps(documents))
    try:
        policies = [parse_policy(d) for d in documents]
    except PolicyError:
        assume(False)
        return
    where = [zone(account, True, ("000000000000", *members, *own)) for account in own]
    shapes = canonical.ZoneShapes()
    source = canonical.template(policies[0], where[0], shapes)
    target = canonical.template(policies[1], where[1], shapes)
    assume(source is not None and target is not None and source.key == target.key)
    assert source is not None and target is not None
    analysis = analyse_trust(policies[0], where[0])
    compiled = canonical.rename(canonical.plan(analysis, source), target, policies[1], where[1])
    general = instantiate(analysis, source, target, policies[1], where[1])
    assert facts(compiled) == facts(general)
    assert compiled == general


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


NOW = datetime(2026, 11, 23, tzinfo=UTC)
EVERY_CHECK = tuple(dataclasses.replace(check, applies=None) for check in CHECKS)  # run on every role


def finding_facts(finding: Finding) -> Any:
    return (finding.check, finding.severity, finding.account_id, finding.resource, finding.message, finding.statement,
            json.dumps(finding.evidence, sort_keys=True, default=repr))


def assert_scans_agree(snapshots: list[AccountSnapshot], organization: Organization | None
                       ) -> tuple[TrustCache, TrustCache]:
    """Scan with shared analyses and the checks that apply, and with one search per (document, zone)
    and every check on every role: the same analyses, findings and errors. Returns both caches."""
    settings = CheckSettings(organization=organization, now=NOW)
    shared, direct = TrustCache(), TrustCache(share=False)
    for snapshot in snapshots:
        fast = scan_snapshot(snapshot, settings, shared)
        slow = scan_snapshot(snapshot, settings, direct, EVERY_CHECK, ACCOUNT_CHECKS)
        assert [(r.role.arn, r.error, r.analysis and facts(r.analysis)) for r in fast[0].roles] == [
            (r.role.arn, r.error, r.analysis and facts(r.analysis)) for r in slow[0].roles]
        # the analysed document is the role's own, or (under an RCP perimeter) the role's with RCP Denies after it
        assert all(r.analysis is None or r.analysis.policy.raw == r.role.trust_policy
                   or (r.perimeter is not None and _starts_with_trust(r.analysis.policy.raw, r.role.trust_policy))
                   for r in fast[0].roles)
        assert [finding_facts(f) for f in fast[1]] == [finding_facts(f) for f in slow[1]]
        assert fast[2] == slow[2]
    return shared, direct


def _starts_with_trust(effective: dict[str, Any], trust: dict[str, Any]) -> bool:
    def listed(document: dict[str, Any]) -> list[Any]:
        body = document["Statement"]
        return [body] if isinstance(body, dict) else list(body)

    own = listed(trust)
    return listed(effective)[:len(own)] == own and len(listed(effective)) > len(own)


def test_a_dense_organisation_scans_the_same_shared_or_not() -> None:
    snapshots, organization = dense_organization(accounts=5, roles=80)
    shared, direct = assert_scans_agree(snapshots, organization)
    assert shared.stats["analysed"] < 0.3 * direct.stats["analysed"]


def test_the_demo_scans_the_same_shared_or_not() -> None:
    snapshots, failures, organizations = load_snapshots([sample_org_path()])
    assert not failures
    assert_scans_agree(snapshots, merge_organizations(organizations))


def test_a_wildcard_the_search_fills_keeps_account_ids_literal() -> None:
    # To avoid "pre", the search fills "pre*" with the smallest character the policy holds: here a digit
    # of the role's own account ("pre0" for 291399664730, "pre5" for 555555555555). Renaming one
    # analysis into the other would show the wrong example; such policies keep their ids literal.
    def document(own: str) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"}, "Action": "sts:AssumeRole",
             "Condition": {"StringLike": {"sts:ExternalId": "pre*"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
             "Condition": {"StringEquals": {"sts:ExternalId": ["pre", own]}}}]}

    cache = TrustCache()
    for own in ("291399664730", "555555555555"):
        shared = cache.analyse(document(own), Zone(own))
        assert facts(shared) == facts(analyse_trust(parse_policy(document(own)), Zone(own)))
    assert cache.stats["analysed"] == 2


def test_an_account_id_inside_a_condition_key_keeps_ids_literal() -> None:
    # The issuer in the key holds the first account's id; in the second policy it is no longer the
    # provider's issuer. Keys stay literal, so ids inside them must too.
    def document(own: str) -> dict[str, Any]:
        issuer = "oidc.eks.us-east-1.amazonaws.com/id/X{}Y"
        return {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{own}:oidc-provider/{issuer.format(own)}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{issuer.format('111111111111')}:aud": "sts.amazonaws.com"}}}]}

    cache = TrustCache()
    for own in ("111111111111", "555555555555"):
        shared = cache.analyse(document(own), Zone(own))
        assert facts(shared) == facts(analyse_trust(parse_policy(document(own)), Zone(own)))


def test_the_documents_landing_zones_stamp_into_every_account_are_searched_once() -> None:
    members = ("111111111111", "123456789012", "555555555555", "000000000100")
    cache = TrustCache()
    for index, own in enumerate(members[:3]):
        where = Zone(own, "aws", "o-aaa", frozenset(members))
        cluster = f"oidc.eks.{('us-east-1', 'eu-west-1', 'ap-south-1')[index]}.amazonaws.com/id/{index}ABC{index}F"
        documents = [
            # An EKS service account: another cluster in every account.
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{own}:oidc-provider/{cluster}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {f"{cluster}:sub": "system:serviceaccount:kube-system:*"},
                              "StringEquals": {f"{cluster}:aud": "sts.amazonaws.com"}}}]},
            # A role of the account chained from another one, under any name.
            {"Version": "2012-10-17", "Statement": [{
                "Sid": ("", "Chained", "S")[index], "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{own}:role/service-role/app-{index}-shared-role"}}]},
            # Identity Center roles of the account.
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{own}:root"}, "Action": "sts:AssumeRole",
                "Condition": {"ArnLike": {
                    "aws:PrincipalArn": f"arn:aws:iam::{own}:role/aws-reserved/sso.amazonaws.com/*"}}}]},
            # A service trust, written three ways.
            {"Version": ("2008-10-17", "2012-10-17", "2008-10-17")[index], "Statement": [{
                **({"Sid": ""} if index else {}), "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                "Action": ("sts:AssumeRole", ["sts:AssumeRole"], "sts:AssumeRole")[index]}]},
            # Every account of one OU.
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": f"o-aaa/r-ab12/ou-ab12-{index}a/*"}}}]},
            # The next member's root, with MFA.
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{members[(index + 1) % 3]}:root"},
                "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]},
        ]
        for document in documents:
            assert facts(cache.analyse(document, where)) == facts(analyse_trust(parse_policy(document), where))
    # Six searches for the first account, and one more for the last: the member it trusts sorts before
    # its own account, which orders the search's callers differently.
    assert cache.stats["analysed"] == 6 + 1


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
