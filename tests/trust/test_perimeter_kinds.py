"""Roles the RCPs cannot tell apart share one perimeter, worked out once (``trust/perimeter_kinds.py``).

The organisation adds to tests/perimeter_org.py's perimeter (which leaves out roles tagged
``dp:exclude:identity``) an RCP that reads the role's ARN (``Resource``) and one whose tag condition
compares two tags through a policy variable: each of the role's facts that an RCP reads is read by one.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests.factories import allow, gaad, role, trust
from tests.perimeter_org import MANAGEMENT, ORG_ID, OUTSIDER, PROD, ROOT, SANDBOX, VENDOR, policies_file

from rolescope.checks.context import CheckSettings
from rolescope.inventory.gaad import parse_gaad
from rolescope.inventory.model import OrgAccount, Organization, Role
from rolescope.inventory.org_policies import parse_organization_policies
from rolescope.scanner import TrustCache, analyse_role, scan_snapshot, zone_for
from rolescope.trust.perimeter import RoleFacts, perimeter_statement, resource_context, role_perimeter
from rolescope.trust.perimeter_kinds import AccountPerimeters

TEAM_ROLES: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "TeamRolesStayInside", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
                   "Resource": "arn:aws:iam::*:role/team/*",
                   "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}}],
}
OWNED: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "OwnerIsTheTeam", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
                   "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:ResourceTag/owner": "${aws:ResourceTag/team}"},
                                 "Bool": {"aws:MultiFactorAuthPresent": "false"}}}],
}


def _organization(*extra: dict[str, Any]) -> Organization:
    tree = policies_file(rcp_targets=(ROOT,))
    for number, document in enumerate(extra):
        tree["Policies"].append({"PolicySummary": {"Id": f"p-extra{number:05d}", "Name": f"extra-{number}",
                                                   "Type": "RESOURCE_CONTROL_POLICY", "AwsManaged": False},
                                 "Content": json.dumps(document), "Targets": [{"TargetId": ROOT}]})
    parsed = parse_organization_policies(tree)
    accounts = tuple(OrgAccount(a) for a in (MANAGEMENT, PROD, SANDBOX))
    return Organization(ORG_ID, MANAGEMENT, accounts, parsed.root_id, parsed.units, parsed.account_parents,
                        parsed.policies)


PERIMETER_ONLY = _organization()
EVERY_READ = _organization(TEAM_ROLES, OWNED)

TAG_KEYS = ("dp:exclude:identity", "DP:Exclude:Identity", "owner", "team", "cost-center")
roles_strategy = st.lists(
    st.tuples(st.sampled_from(("app", "web", "batch")),
              st.sampled_from(("/", "/team/", "/aws-service-role/ecs.amazonaws.com/")),
              st.lists(st.tuples(st.sampled_from(TAG_KEYS), st.sampled_from(("true", "blue", "green"))),
                       max_size=3)),
    min_size=1, max_size=12)


def _roles(specs: list[tuple[str, str, list[tuple[str, str]]]], policy: dict[str, Any]) -> tuple[Role, ...]:
    items = []
    for number, (name, path, tags) in enumerate(specs):
        item = role(f"{name}-{number}", policy, PROD, path=path)
        item["Tags"] = [{"Key": k, "Value": v} for k, v in tags]
        items.append(item)
    return parse_gaad(gaad(*items), "test", PROD).roles


def _direct(organization: Organization, item: Role) -> tuple[Any, list[dict[str, Any]]]:
    facts = RoleFacts(item.arn, PROD, item.path, item.tags)
    perimeter = role_perimeter(organization, facts)
    context = resource_context(organization, facts)
    return perimeter, [perimeter_statement(a, context) for a in perimeter.denies]


@settings(max_examples=300, deadline=None)
@given(roles_strategy, st.sampled_from((PERIMETER_ONLY, EVERY_READ)))
@example([("app", "/", [("owner", "blue"), ("team", "blue")]), ("app", "/", [("owner", "blue"), ("team", "green")])],
         EVERY_READ)  # the variable reads a tag no condition names
@example([("app", "/", [("dp:exclude:identity", "true")]), ("web", "/", [("DP:Exclude:Identity", "blue")])],
         PERIMETER_ONLY)
def test_roles_of_one_kind_get_the_perimeter_each_would_get_alone(
        specs: list[tuple[str, str, list[tuple[str, str]]]], organization: Organization) -> None:
    perimeters = AccountPerimeters(organization, PROD)
    for item in _roles(specs, trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"}))):
        # the first role of a kind sets what every later one of that kind is answered
        assert perimeters.of(item, perimeters.kind(item)) == _direct(organization, item)


def test_only_what_an_rcp_reads_tells_roles_apart() -> None:
    def kind(organization: Organization, path: str = "/", **tags: str) -> Any:
        (item,) = _roles([("app", path, [(k.replace("_", ":"), v) for k, v in tags.items()])], trust())
        return AccountPerimeters(organization, PROD).kind(item)

    # the perimeter reads one tag: others, and the role's name and path, make no kind of their own
    assert kind(PERIMETER_ONLY) == kind(PERIMETER_ONLY, owner="a", team="b") == kind(PERIMETER_ONLY, "/team/")
    assert kind(PERIMETER_ONLY, dp_exclude_identity="true") != kind(PERIMETER_ONLY)
    assert kind(PERIMETER_ONLY, "/aws-service-role/ecs.amazonaws.com/") != kind(PERIMETER_ONLY)
    # the ARN pattern tells /team/ roles apart; the variable makes every tag count
    assert kind(EVERY_READ, "/team/") != kind(EVERY_READ)
    assert kind(EVERY_READ, cost_center="1") != kind(EVERY_READ, cost_center="2")
    assert kind(EVERY_READ, owner="blue", team="blue") != kind(EVERY_READ, owner="blue", team="green")


def test_a_scan_analyses_each_trust_policy_once_per_kind_not_per_role() -> None:
    policy = trust(allow({"AWS": f"arn:aws:iam::{VENDOR}:root"}))
    specs = [("app", "/", [("owner", f"person-{n}")] + ([("dp:exclude:identity", "true")] if n % 4 == 0 else []))
             for n in range(40)]
    snapshot = parse_gaad(gaad(*(role(f"app-{n}", policy, PROD) | {"Tags": [{"Key": k, "Value": v} for k, v in t]}
                                 for n, (_, _, t) in enumerate(specs))), "test", PROD)
    cache = TrustCache()
    result, _, errors = scan_snapshot(snapshot, CheckSettings(organization=PERIMETER_ONLY), cache)
    assert not errors
    # two kinds (the tag leaves one statement out, or not), each asking for its trust alone (the second
    # time found) and under its Denies: four questions for forty roles
    assert sum(cache.stats.values()) == 4 and cache.stats["reused"] == 1
    zone = zone_for(snapshot, PERIMETER_ONLY)
    for found in result.roles:
        analysis, verdict = analyse_role(found.role, zone, PERIMETER_ONLY, TrustCache())
        assert found.perimeter is not None and verdict is not None
        assert found.perimeter.evidence() == verdict.evidence()
        assert found.analysis is not None
        assert (found.analysis.outside_accounts, found.analysis.mfa_or_external_id_required) == \
            (analysis.outside_accounts, analysis.mfa_or_external_id_required)
    statuses = {r.perimeter.status.value for r in result.roles if r.perimeter is not None}
    assert statuses == {"enforced", "open-by-exception"}
