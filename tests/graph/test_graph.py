"""The trust graph: principal groups, explicit grants, principal-dependent trusts, the organisation node,
reachability with chains explained, strongly connected components, formats and the graph command."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from tests.factories import ACCOUNT, MEMBER, OUTSIDER, allow, gaad, organization, role, trust

from rolescope.checks.context import CheckSettings
from rolescope.cli.main import cli
from rolescope.inventory.files import parse_organization
from rolescope.inventory.gaad import parse_gaad
from rolescope.report.graph_formats import graph_section, render_dot, render_mermaid, render_text
from rolescope.scanner import scan_snapshots
from rolescope.trust.graph import AccountGraphPart, account_graph_part, build_graph
from rolescope.trust.graph_json import graph_json, node_json, section_edges
from rolescope.trust.graph_model import EdgeKind, GraphEdge, GraphNode, NodeKind, TrustGraph, Way
from rolescope.trust.graph_part import RefKind, RoleTrust, TrustRef
from rolescope.trust.reachability import reachability

THIRD = "222233334444"
ORG = "o-exampleorg1"


def assume_on(*resources: str, deny: tuple[str, ...] = ()) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(resources)}]
    if deny:
        statements.append({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": list(deny)})
    return {"Version": "2012-10-17", "Statement": statements}


ASSUME_ANY = assume_on("*")
EC2 = trust(allow({"Service": "ec2.amazonaws.com"}))


def arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def parts_of(*accounts: dict[str, Any], members: tuple[str, ...] = (ACCOUNT, MEMBER, THIRD)
             ) -> tuple[list[AccountGraphPart], Any]:
    snapshots = [parse_gaad(data, "x.json") for data in accounts]
    org = parse_organization(organization(*members))
    result = scan_snapshots(snapshots, CheckSettings(organization=org), checks=())
    parts = [account_graph_part(a.snapshot, [(r.role, r.analysis) for r in a.roles if r.analysis])
             for a in result.accounts if a.snapshot is not None]
    return parts, org


def graph_of(*accounts: dict[str, Any], members: tuple[str, ...] = (ACCOUNT, MEMBER, THIRD)) -> TrustGraph:
    parts, org = parts_of(*accounts, members=members)
    return build_graph(parts, org)


def edges(graph: TrustGraph, kind: EdgeKind | None = None) -> dict[tuple[str, str], GraphEdge]:
    return {(graph.nodes[e.source].id, graph.nodes[e.target].id): e for e in graph.edges
            if kind is None or e.kind is kind}


def test_account_trust_is_one_edge_from_the_accounts_group() -> None:
    graph = graph_of(
        gaad(role("ci", EC2, inline={"assume": ASSUME_ANY}), role("admin", EC2, managed=("AdministratorAccess",)),
             role("idle", EC2)),
        gaad(role("deploy", trust(allow({"AWS": ACCOUNT}, condition={"StringEquals": {"sts:ExternalId": "x" * 12}})),
                  account=MEMBER)),
    )
    found = edges(graph)
    group = f"group:{ACCOUNT}"
    assert graph.node(group).kind is NodeKind.GROUP and (graph.node(group).roles, graph.node(group).users) == (2, 0)
    assert graph.node(group).label == f"2 roles of {ACCOUNT} may assume any role that trusts the account"
    assert {s for (s, t), e in found.items() if t == group and e.kind is EdgeKind.MEMBER} == \
        {arn(ACCOUNT, "ci"), arn(ACCOUNT, "admin")}
    edge = found[(group, arn(MEMBER, "deploy"))]
    assert edge.kind is EdgeKind.TRUST and edge.way is not None and edge.way.requires == ("external_id",)
    assert edge.via == f"arn:aws:iam::{ACCOUNT}:root"
    # one edge into the role, not one per principal; the principal without the permission is nowhere
    assert [s for (s, t) in found if t == arn(MEMBER, "deploy")] == [group]
    assert (arn(ACCOUNT, "idle"), group) not in found
    assert graph.node("ec2.amazonaws.com").kind is NodeKind.SERVICE


def test_explicit_grants_literal_pattern_and_narrowed_wildcard() -> None:
    graph = graph_of(
        gaad(role("named", EC2, inline={"a": assume_on(arn(MEMBER, "deploy-a"))}),
             role("patterned", EC2, inline={"a": assume_on(f"arn:aws:iam::{MEMBER}:role/deploy-*")}),
             role("narrowed", EC2, inline={"a": assume_on("*", deny=(arn(MEMBER, "deploy-b"),))})),
        gaad(role("deploy-a", trust(allow({"AWS": ACCOUNT})), account=MEMBER),
             role("deploy-b", trust(allow({"AWS": ACCOUNT})), account=MEMBER),
             role("other", trust(allow({"AWS": ACCOUNT})), account=MEMBER)),
    )
    grants = set(edges(graph, EdgeKind.GRANT))
    assert grants == {
        (arn(ACCOUNT, "named"), arn(MEMBER, "deploy-a")),
        (arn(ACCOUNT, "patterned"), arn(MEMBER, "deploy-a")),
        (arn(ACCOUNT, "patterned"), arn(MEMBER, "deploy-b")),
        (arn(ACCOUNT, "narrowed"), arn(MEMBER, "deploy-a")),
        (arn(ACCOUNT, "narrowed"), arn(MEMBER, "other")),  # its Deny singles out deploy-b only
    }
    assert not edges(graph, EdgeKind.MEMBER)  # nobody may assume any role: no group members


def test_own_account_wildcard_is_its_own_group() -> None:
    graph = graph_of(
        gaad(role("local-admin", EC2, inline={"a": assume_on(f"arn:aws:iam::{ACCOUNT}:role/*")}),
             role("same", trust(allow({"AWS": ACCOUNT})))),
        gaad(role("remote", trust(allow({"AWS": ACCOUNT})), account=MEMBER)),
    )
    found = edges(graph)
    own = f"group:{ACCOUNT}:own"
    assert (arn(ACCOUNT, "local-admin"), own) in found and (own, arn(ACCOUNT, "same")) in found
    assert not any(t == arn(MEMBER, "remote") and s != f"group:{ACCOUNT}" for s, t in found)
    assert graph.node(own).label.endswith("may assume any role of the account that trusts it")


def test_a_trust_that_tells_principals_apart_admits_only_those_it_admits() -> None:
    by_name = {"ArnEquals": {"aws:PrincipalArn": arn(ACCOUNT, "ci-a")}}
    by_pattern = {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/ops-*"}}
    graph = graph_of(
        gaad(*(role(n, EC2, managed=("AdministratorAccess",)) for n in ("ci-a", "ci-b", "ops-1", "ops-2"))),
        gaad(role("named", trust(allow({"AWS": ACCOUNT}, condition=by_name)), account=MEMBER),
             role("patterned", trust(allow({"AWS": ACCOUNT}, condition=by_pattern)), account=MEMBER)),
    )
    admitted = edges(graph, EdgeKind.ADMITTED)
    assert {s for s, t in admitted if t == arn(MEMBER, "named")} == {arn(ACCOUNT, "ci-a")}
    assert {s for s, t in admitted if t == arn(MEMBER, "patterned")} == {arn(ACCOUNT, "ops-1"), arn(ACCOUNT, "ops-2")}
    assert not any(s.startswith("group:") for s, t in edges(graph) if t.startswith(f"arn:aws:iam::{MEMBER}"))
    assert admitted[(arn(ACCOUNT, "ci-a"), arn(MEMBER, "named"))].via == f"arn:aws:iam::{ACCOUNT}:root"
    # a trust naming its principals is answered from the names; a pattern looks at each group member
    assert graph.counters["members_expanded"] == 4


def test_organisation_star_is_one_edge_from_the_organisation_fed_by_member_groups() -> None:
    graph = graph_of(
        gaad(role("open", trust(allow("*"))),
             role("org-wide", trust(allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})))),
        gaad(role("member-admin", EC2, managed=("AdministratorAccess",), account=MEMBER)),
    )
    found = edges(graph)
    org = f"organization:{ORG}"
    assert graph.node(org).kind is NodeKind.ORGANIZATION
    assert found[(f"group:{MEMBER}", org)].kind is EdgeKind.MEMBER_ACCOUNT
    edge = found[(org, arn(ACCOUNT, "org-wide"))]
    assert edge.way is not None and edge.way.requires == ("org",) and edge.via == "*"
    assert ("anyone", arn(ACCOUNT, "open")) in found
    assert not any(s == arn(MEMBER, "member-admin") and t.startswith("arn:") for s, t in found)
    section = graph_json(graph)
    classes = {(e["source"], e["target"]): e["class"] for e in section_edges(section)}
    assert classes[("anyone", arn(ACCOUNT, "open"))] == "public"
    assert classes[(org, arn(ACCOUNT, "org-wide"))] == "unguarded"
    assert classes[(f"group:{MEMBER}", org)] == "internal"


def test_an_organisation_trust_that_refuses_a_member_is_drawn_account_by_account() -> None:
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": MEMBER}}}
    policy = trust(allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG}}), deny)
    graph = graph_of(
        gaad(role("org-wide", policy)),
        gaad(role("m-admin", EC2, managed=("AdministratorAccess",), account=MEMBER)),
        gaad(role("t-admin", EC2, managed=("AdministratorAccess",), account=THIRD)),
        members=(ACCOUNT, MEMBER, THIRD, OUTSIDER),
    )
    into = {s for s, t in edges(graph) if t == arn(ACCOUNT, "org-wide")}
    assert into == {f"group:{THIRD}", f"account:{OUTSIDER}"}  # not the organisation node, not MEMBER
    assert graph.counters["organization_expanded"] == 1
    reach = reachability(graph)
    assert f"account:{MEMBER}" not in reach.origin_names(reach.roles[graph.index[arn(ACCOUNT, "org-wide")]].origins)


def test_unscanned_accounts_stay_account_nodes() -> None:
    graph = graph_of(gaad(role("vendor", trust(allow({"AWS": OUTSIDER})))))
    node = graph.node(f"account:{OUTSIDER}")
    assert node.kind is NodeKind.ACCOUNT and node.account == OUTSIDER
    assert (f"account:{OUTSIDER}", arn(ACCOUNT, "vendor")) in edges(graph, EdgeKind.TRUST)


def test_an_assumed_role_session_is_its_role() -> None:
    graph = graph_of(
        gaad(role("ci", EC2, path="/build/", inline={"a": ASSUME_ANY})),
        gaad(role("t", trust(allow({"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/s1"})), account=MEMBER)),
    )
    edge = edges(graph)[(f"arn:aws:iam::{ACCOUNT}:role/build/ci", arn(MEMBER, "t"))]
    assert edge.via == f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/s1"


def chain_world() -> TrustGraph:
    """start (ACCOUNT, admin) -> group -> hop (MEMBER, trusts ACCOUNT, admin) -> group -> target (THIRD)."""
    return graph_of(
        gaad(role("start", trust(allow({"Service": "lambda.amazonaws.com"})), inline={"a": ASSUME_ANY})),
        gaad(role("hop", trust(allow({"AWS": ACCOUNT})), inline={"a": ASSUME_ANY}, account=MEMBER)),
        gaad(role("target", trust(allow({"AWS": MEMBER})), account=THIRD),
             role("local", trust(allow({"AWS": THIRD})), account=THIRD)),
    )


def test_a_chain_through_groups_is_found_and_explained() -> None:
    graph = chain_world()
    section = graph_json(graph)
    chain = next(c for c in section["chains"] if c["target"] == arn(THIRD, "target"))
    assert chain["origin"] == f"account:{ACCOUNT}" and chain["hops"] == 2
    assert chain["path"] == [arn(ACCOUNT, "start"), f"group:{ACCOUNT}", arn(MEMBER, "hop"), f"group:{MEMBER}",
                             arn(THIRD, "target")]
    assert [s["kind"] for s in chain["steps"]] == ["member", "trust", "member", "trust"]
    text = chain["explanation"]
    assert f"role start ({ACCOUNT}) is a member of group:{ACCOUNT}, whose members may assume any role that " \
           f"trusts {ACCOUNT}" in text
    assert f"role hop ({MEMBER}) trusts account {ACCOUNT} (Statement[0], no condition)" in text
    assert f"role target ({THIRD}) trusts account {MEMBER}" in text
    node = next(n for n in section["nodes"] if n["id"] == arn(THIRD, "target"))
    assert section["chains"][node["chain"]] is chain

    def names(index: int) -> list[str]:
        return [section["origins"][i] for i in section["origin_sets"][index]]

    assert names(node["origins"]) == [f"account:{ACCOUNT}", f"account:{MEMBER}"]
    assert names(node["indirect"]) == [f"account:{ACCOUNT}"]  # no trust policy names it, yet it gets in
    assert section["summary"]["roles_reached_through_chains"] == 1
    assert section["summary"]["roles_with_indirect_origins"] == 1
    assert section["truncated"] == {}


def test_large_origin_sets_list_their_first_origins_by_name_and_say_how_many_more() -> None:
    section = graph_json(chain_world(), max_origins=1)
    node = next(n for n in section["nodes"] if n["id"] == arn(THIRD, "target"))
    index = node["origins"]
    assert section["origins"] == sorted(section["origins"])
    assert [section["origins"][i] for i in section["origin_sets"][index]] == [f"account:{ACCOUNT}"]
    assert section["origin_set_sizes"][index] == 2
    unlisted = sum(size - len(listed) for size, listed in zip(section["origin_set_sizes"], section["origin_sets"],
                                                             strict=True))
    assert section["truncated"]["origin_sets"] == unlisted >= 1


def test_set_bits_reads_wide_sets_lowest_first() -> None:
    from rolescope.trust.reachability import set_bits

    wide = (1 << 4000) | (1 << 3) | 1
    assert set_bits(wide) == [0, 3, 4000]
    assert set_bits(wide, 2) == [0, 3]
    assert set_bits(0) == [] and set_bits(1 << 70, 5) == [70]


def test_reachability_excludes_the_roles_own_account() -> None:
    graph = chain_world()
    reach = reachability(graph)
    local = graph.index[arn(THIRD, "local")]
    assert local not in reach.roles  # only its own account's principals reach it (and none may)
    hop = reach.roles[graph.index[arn(MEMBER, "hop")]]
    assert reach.origin_names(hop.origins) == [f"account:{ACCOUNT}"]
    assert hop.indirect == 0 and not hop.chained and reach.chain(graph.index[arn(MEMBER, "hop")]) == ()
    steps = [graph.edges[e] for e in reach.chain(graph.index[arn(THIRD, "target")])]
    assert [graph.nodes[e.source].id for e in steps] == [arn(ACCOUNT, "start"), f"group:{ACCOUNT}",
                                                         arn(MEMBER, "hop"), f"group:{MEMBER}"]


def test_a_chain_that_leaves_and_comes_back_counts_the_account_it_went_by() -> None:
    graph = graph_of(
        gaad(role("home-admin", EC2, managed=("AdministratorAccess",)),
             role("home-target", trust(allow({"AWS": arn(MEMBER, "away")})))),
        gaad(role("away", trust(allow({"AWS": arn(ACCOUNT, "home-admin")})), inline={"a": ASSUME_ANY},
                  account=MEMBER)),
    )
    reach = reachability(graph)
    target = reach.roles[graph.index[arn(ACCOUNT, "home-target")]]
    assert reach.origin_names(target.origins) == [f"account:{MEMBER}"]
    assert target.indirect == 0 and not target.chained  # home-admin's two assumptions start at home


def test_roles_that_can_assume_each_other_are_reported_as_a_component() -> None:
    graph = graph_of(
        gaad(role("a", trust(allow({"AWS": MEMBER})), managed=("AdministratorAccess",)),
             role("lone", EC2)),
        gaad(role("b", trust(allow({"AWS": ACCOUNT})), managed=("AdministratorAccess",), account=MEMBER),
             role("c", trust(allow({"AWS": ACCOUNT})), managed=("AdministratorAccess",), account=MEMBER)),
    )
    section = graph_json(graph)
    [component] = section["components"]
    assert component["size"] == 3 and component["roles"] == 3 and component["users"] == 0
    assert component["accounts"] == [ACCOUNT, MEMBER]
    assert component["members"] == [arn(ACCOUNT, "a"), arn(MEMBER, "b"), arn(MEMBER, "c")]
    assert "truncated" not in component
    assert section["summary"]["largest_component"] == 3
    assert "3 principals across 2 accounts" in render_text(graph)


def test_lists_cut_say_by_how_much() -> None:
    graph = graph_of(
        gaad(role("start", EC2, inline={"a": ASSUME_ANY})),
        gaad(role("hop", trust(allow({"AWS": ACCOUNT})), inline={"a": ASSUME_ANY}, account=MEMBER)),
        gaad(role("t1", trust(allow({"AWS": MEMBER})), account=THIRD),
             role("t2", trust(allow({"AWS": MEMBER})), account=THIRD)),
    )
    assert len(graph_json(graph)["chains"]) == 2
    cut = graph_json(graph, max_chains=1, max_components=0)
    assert len(cut["chains"]) == 1 and cut["truncated"] == {"chains": 1}
    assert sum(1 for n in cut["nodes"] if "chain" in n) == 1 and sum(1 for n in cut["nodes"] if "origins" in n) == 3


def test_users_and_their_groups_policies_join_the_group() -> None:
    account = gaad(role("target", trust(allow({"AWS": ACCOUNT}))))
    account["UserDetailList"] = [
        {"UserName": "alice", "UserId": "AIDAALICE", "Arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "Path": "/",
         "GroupList": ["admins"], "AttachedManagedPolicies": [], "UserPolicyList": []},
        {"UserName": "bob", "UserId": "AIDABOB", "Arn": f"arn:aws:iam::{ACCOUNT}:user/bob", "Path": "/",
         "GroupList": [], "AttachedManagedPolicies": [], "UserPolicyList": []},
    ]
    account["GroupDetailList"] = [{"GroupName": "admins", "GroupId": "AGPA", "Path": "/",
                                   "Arn": f"arn:aws:iam::{ACCOUNT}:group/admins", "AttachedManagedPolicies": [],
                                   "GroupPolicyList": [{"PolicyName": "a", "PolicyDocument": ASSUME_ANY}]}]
    graph = graph_of(account)
    group = graph.node(f"group:{ACCOUNT}")
    assert (group.roles, group.users) == (0, 1) and group.label.startswith("1 user of ")
    assert (f"arn:aws:iam::{ACCOUNT}:user/alice", group.id) in edges(graph, EdgeKind.MEMBER)
    assert f"arn:aws:iam::{ACCOUNT}:user/bob" not in graph


def test_a_part_pickles_and_does_not_grow_with_other_accounts() -> None:
    def part_of_first(other_roles: int) -> AccountGraphPart:
        by_pattern = {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{MEMBER}:role/r1*"}}
        parts, _ = parts_of(
            gaad(role("admin", EC2, managed=("AdministratorAccess",)), role("t", trust(allow({"AWS": MEMBER}))),
                 role("p", trust(allow({"AWS": MEMBER}, condition=by_pattern)))),
            gaad(*(role(f"r{i}", trust(allow({"AWS": ACCOUNT})), managed=("AdministratorAccess",), account=MEMBER)
                   for i in range(other_roles))),
        )
        return next(p for p in parts if p.account_id == ACCOUNT)

    small, large = part_of_first(2), part_of_first(60)
    assert pickle.loads(pickle.dumps(small)) == small
    deferred = [r.admission.deferred for t in small.roles for r in t.refs if r.admission and r.admission.deferred]
    assert deferred and pickle.loads(pickle.dumps(deferred[0])) == deferred[0]  # the policy, asked again later
    assert len(pickle.dumps(small)) == len(pickle.dumps(large))


def test_formats_escape_names() -> None:
    graph = graph_of(gaad(role('we"ird<name>', trust(allow({"AWS": OUTSIDER})))))
    dot = render_dot(graph)
    assert 'we\\"ird<name>' in dot and "digraph" in dot
    mermaid = render_mermaid(graph)
    assert "<name>" not in mermaid and '"ird' not in mermaid and mermaid.startswith("flowchart LR")


def test_graph_section_from_parts() -> None:
    parts, org = parts_of(gaad(role("vendor", trust(allow({"AWS": OUTSIDER})))))
    section = graph_section(parts, org)
    assert section["schema"] == "rolescope.graph/v2"
    assert section["counters"]["edges"] == len(section["edges"]) == 1
    assert section["origins"] == [f"account:{OUTSIDER}"]


def test_graph_command(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    sample = str(Path(__file__).parents[2] / "src" / "rolescope" / "data" / "sample_org")
    result = CliRunner().invoke(cli, ["graph", "--from", sample, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0
    document = json.loads(out.read_text())
    assert document["schema"] == "rolescope.graph/v2"
    # the sample's RCP perimeter leaves no AWS principal outside the organisation "*" access: no public edge
    assert {e["class"] for e in section_edges(document)} >= {"unguarded", "guarded", "internal"}
    assert "public" not in {e["class"] for e in section_edges(document)}
    assert {n["kind"] for n in document["nodes"]} >= {"role", "group", "organization", "account"}
    assert document["summary"]["roles_reached_from_outside"] > 0
    text = CliRunner().invoke(cli, ["graph", "--from", sample, "--format", "text"])
    assert text.exit_code == 0 and "Principal groups:" in text.output and "group:973518402756" in text.output


def test_add_nodes_keeps_the_first_node_of_an_id_as_add_node_does() -> None:
    def node(ident: str, label: str) -> GraphNode:
        return GraphNode(ident, NodeKind.ROLE, label)

    one, bulk = TrustGraph(), TrustGraph()
    for graph in (one, bulk):
        graph.add_node(node("a", "first"))
    for batch in ([node("b", "1"), node("c", "1")], [node("d", "1"), node("d", "2")], [node("a", "2"), node("e", "1")]):
        for n in batch:
            one.add_node(n)
        bulk.add_nodes(batch)
    assert bulk.nodes == one.nodes and bulk.index == one.index
    assert [bulk.out_edges(v) for v in range(len(bulk.nodes))] == [[] for _ in one.nodes]


def test_a_role_met_again_gets_its_edges_on_the_node_its_arn_names() -> None:
    """Roles take their node by position when each of an account's roles made a new node; a part
    naming a role already made falls back to the look-up by ARN, with the same edges."""
    way = Way(0, None, "service", ())
    service = TrustRef(RefKind.NODE, "ec2.amazonaws.com", NodeKind.SERVICE, way, "ec2.amazonaws.com")
    a, b, c = (RoleTrust(f"arn:aws:iam::{ACCOUNT}:role/{name}", name, (service,)) for name in "abc")
    parts = [AccountGraphPart(ACCOUNT, None, "aws", (), (a, b)), AccountGraphPart(OUTSIDER, None, "aws", (), (c, a))]
    graph = build_graph(parts)
    assert [graph.nodes[e.target].id for e in graph.edges] == [a.arn, b.arn, c.arn, a.arn]
    assert [n.id for n in graph.nodes if n.kind is NodeKind.ROLE] == [a.arn, b.arn, c.arn]


@given(st.text(alphabet="ab/:", max_size=8), st.text(alphabet="ab/:", max_size=4))
def test_node_json_leaves_out_a_label_that_is_the_ids_last_segment(ident: str, label: str) -> None:
    entry = node_json(GraphNode(ident, NodeKind.ROLE, label))
    assert ("label" in entry) == (label != ident.rsplit("/", 1)[-1])
