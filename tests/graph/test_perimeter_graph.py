"""The graph under the organisation's perimeter: SCPs cut edges from their accounts' principals, RCPs
drop edges (the analyses no longer admit the caller) and mark those that exist only by an exception."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.factories import allow, gaad, role, trust
from tests.perimeter_org import OUTSIDER, PROD, PROD_OU, RCP_ID, SANDBOX, VENDOR, organization

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
