"""The graph under the organisation's perimeter: SCPs cut edges from their accounts' principals, RCPs
drop edges (the analyses no longer admit the caller) and mark those that exist only by an exception."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.factories import allow, gaad, role, trust
from tests.perimeter_org import (
    MANAGEMENT,
    OUTSIDER,
    PROD,
    PROD_OU,
    RCP_ID,
    ROOT,
    SANDBOX,
    SANDBOX_OU,
    VENDOR,
    organization,
)

from rolescope.checks.context import CheckSettings
from rolescope.inventory.gaad import parse_gaad
from rolescope.inventory.model import Organization, OrgPolicy
from rolescope.policy.control import ControlKind, parse_control_policy
from rolescope.scanner import scan_snapshots
from rolescope.trust.graph import account_graph_part, build_graph
from rolescope.trust.graph_json import graph_json, section_edges
from rolescope.trust.graph_model import TrustGraph

EC2 = trust(allow({"Service": "ec2.amazonaws.com"}))
ASSUME_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


def graph_of(org: Organization, *accounts: tuple[str, dict[str, Any]]) -> TrustGraph:
    snapshots = [parse_gaad(data, "x.json", account) for account, data in accounts]
    result = scan_snapshots(snapshots, CheckSettings(organization=org), checks=())
    parts = [account_graph_part(a.snapshot, [(r.role, r.analysis) for r in a.roles if r.analysis])
             for a in result.accounts if a.snapshot is not None]
    return build_graph(parts, org)


def targets_of(graph: TrustGraph, source: str) -> set[str]:
    return {graph.nodes[e.target].id.rsplit("/", 1)[-1] for e in graph.edges if graph.nodes[e.source].id == source}


def with_scp(document: dict[str, Any]) -> Organization:
    base = organization()
    fence = OrgPolicy("p-fence00001", "fence", parse_control_policy(document, ControlKind.SCP), (SANDBOX,))
    return replace(base, policies=(*base.policies, fence))


def accounts() -> tuple[tuple[str, dict[str, Any]], ...]:
    sandbox = gaad(role("ci", EC2, SANDBOX, inline={"assume": ASSUME_ANY}))
    prod = gaad(role("deploy", trust(allow({"AWS": SANDBOX})), PROD), role("report", trust(allow({"AWS": SANDBOX})),
                                                                           PROD, path="/reports/"))
    return (SANDBOX, sandbox), (PROD, prod)


def test_an_scp_deny_on_the_callers_account_cuts_its_edges() -> None:
    group = f"group:{SANDBOX}"
    assert targets_of(graph_of(organization(), *accounts()), group) == {"deploy", "report"}
    fence = {"Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{PROD}:role/*",
                            "Condition": {"StringNotLike": {"aws:ResourceOrgPaths": "*/ou-ab12-sand0001/*"}}}]}
    graph = graph_of(with_scp(fence), *accounts())
    assert targets_of(graph, group) == set()
    assert graph.counters["cut_by_scp"] == 2
    narrow = {"Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole",
                             "Resource": f"arn:aws:iam::{PROD}:role/reports/*"}]}
    assert targets_of(graph_of(with_scp(narrow), *accounts()), group) == {"deploy"}


def test_an_scp_that_depends_on_the_request_cuts_nothing() -> None:
    mfa = {"Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
                          "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
    assert targets_of(graph_of(with_scp(mfa), *accounts()), f"group:{SANDBOX}") == {"deploy", "report"}


def test_the_data_perimeter_scp_keeps_roles_inside_the_organisation() -> None:
    # the fixture's SCP at the root denies assuming roles outside the organisation: PROD is inside
    assert targets_of(graph_of(organization(), *accounts()), f"group:{SANDBOX}") == {"deploy", "report"}


def test_rcps_drop_edges_and_mark_the_exception() -> None:
    prod = gaad(role("vendor", trust(allow({"AWS": VENDOR}, condition={"StringEquals": {"sts:ExternalId": "x" * 16}})),
                     PROD), role("stranger", trust(allow({"AWS": OUTSIDER})), PROD))
    graph = graph_of(organization(), (PROD, prod))
    assert targets_of(graph, f"account:{OUTSIDER}") == set()  # the RCP closes the role to the stranger
    (edge,) = [e for e in section_edges(graph_json(graph)) if e["source"] == f"account:{VENDOR}"]
    assert edge["rcp_exception"] == f"rcp:{RCP_ID}:0"
    open_graph = graph_of(organization(rcp_targets=(PROD_OU.replace("prod", "nope"),)), (PROD, prod))
    assert targets_of(open_graph, f"account:{OUTSIDER}") == {"stranger"}


NO_ASSUME = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}]}


def with_allow_list(level: str, keep_full_access: bool = False, allow_list: bool = True) -> Organization:
    """The organisation with an allow-list SCP (no sts:AssumeRole) at ``level``, and ``FullAWSAccess``
    detached there unless ``keep_full_access``; without ``allow_list``, ``level`` has no SCP at all."""
    base = organization()
    policies = [p if p.name != "FullAWSAccess" or keep_full_access
                else replace(p, targets=tuple(t for t in p.targets if t != level)) for p in base.policies]
    if allow_list:
        policies.append(OrgPolicy("p-allowlist01", "allow-list", parse_control_policy(NO_ASSUME, ControlKind.SCP),
                                  (level,)))
    return replace(base, policies=tuple(policies))


def test_an_ou_whose_scps_do_not_allow_assume_role_cuts_its_principals_edges() -> None:
    graph = graph_of(with_allow_list(SANDBOX_OU), *accounts())
    assert targets_of(graph, f"group:{SANDBOX}") == set()
    assert graph.counters["cut_by_scp"] == 2
    reason = f"no SCP at OU {SANDBOX_OU} allows sts:AssumeRole"
    assert graph.scp_cuts == {reason: 2}
    assert graph_json(graph)["scp_cuts"] == {reason: 2}


def test_full_access_beside_the_allow_list_keeps_the_edges() -> None:
    graph = graph_of(with_allow_list(SANDBOX_OU, keep_full_access=True), *accounts())
    assert targets_of(graph, f"group:{SANDBOX}") == {"deploy", "report"}
    assert "scp_cuts" not in graph_json(graph)


def test_a_level_without_scp_attachments_counts_as_allowing() -> None:
    graph = graph_of(with_allow_list(SANDBOX_OU, allow_list=False), *accounts())
    assert targets_of(graph, f"group:{SANDBOX}") == {"deploy", "report"}
    assert graph.counters["cut_by_scp"] == 0


def test_an_allow_list_on_the_root_never_cuts_the_management_accounts_edges() -> None:
    management = gaad(role("admin", EC2, MANAGEMENT, inline={"assume": ASSUME_ANY}))
    prod = gaad(role("deploy", trust(allow({"AWS": [SANDBOX, MANAGEMENT]})), PROD))
    sandbox = gaad(role("ci", EC2, SANDBOX, inline={"assume": ASSUME_ANY}))
    graph = graph_of(with_allow_list(ROOT), (MANAGEMENT, management), (SANDBOX, sandbox), (PROD, prod))
    assert targets_of(graph, f"group:{MANAGEMENT}") == {"deploy"}
    assert targets_of(graph, f"group:{SANDBOX}") == set()
    assert graph.scp_cuts == {f"no SCP at root {ROOT} allows sts:AssumeRole": 1}


def test_a_deny_cut_names_its_statement() -> None:
    fence = {"Statement": [{"Sid": "NoProd", "Effect": "Deny", "Action": "sts:AssumeRole",
                            "Resource": f"arn:aws:iam::{PROD}:role/*"}]}
    graph = graph_of(with_scp(fence), *accounts())
    assert graph.scp_cuts == {
        f"SCP fence (p-fence00001) at account {SANDBOX}, Statement[0] (NoProd), denies sts:AssumeRole": 2}
