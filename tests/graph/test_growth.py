"""The graph phase's counted work grows linearly with a dense account (issue 10), and one dense account
of 1,000 roles builds its graph, chains included, with bounded work. Counted, never timed."""

from __future__ import annotations

from collections import Counter

from tests.factories import ACCOUNT, MEMBER, OUTSIDER, dense_account, organization

from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import parse_organization
from rolescope.inventory.gaad import parse_gaad
from rolescope.scanner import scan_snapshots
from rolescope.trust.graph import account_graph_part, build_graph
from rolescope.trust.graph_json import graph_json
from rolescope.trust.reachability import reachability

THIRD = "222233334444"
MEMBERS = (ACCOUNT, MEMBER, THIRD, OUTSIDER)  # only some of them scanned: the others stay account nodes
# The work the graph phase does: what it builds and what its passes visit.
WORK = ("edges", "grant_checks", "members_expanded", "scc_edges_visited", "propagation_edges",
        "direct_edges_visited", "bfs_edges_visited", "bfs_labels")


def graph_work(roles: int, scanned: tuple[str, ...] = (ACCOUNT,)) -> Counter[str]:
    snapshots = [parse_gaad(dense_account(a, roles, members=MEMBERS), f"{a}.json") for a in scanned]
    org = parse_organization(organization(*MEMBERS))
    result = scan_snapshots(snapshots, CheckSettings(organization=org), checks=())
    parts = [account_graph_part(a.snapshot, [(r.role, r.analysis) for r in a.roles if r.analysis])
             for a in result.accounts if a.snapshot is not None]
    graph = build_graph(parts, org)
    section = graph_json(graph, reachability(graph))
    counters = Counter(section["counters"])
    counters["chains_written"] = len(section["chains"])
    counters["reached"] = section["summary"]["roles_reached_from_outside"]
    return counters


def assert_linear(small: Counter[str], large: Counter[str], factor: float) -> None:
    for name in WORK:
        # slack for the parts that do not grow (the organisation, outside accounts) and the draw's noise
        assert large[name] <= factor * 1.3 * max(small[name], 1) + 50, (name, small[name], large[name])


def test_graph_work_grows_linearly_with_a_dense_account() -> None:
    small, large = graph_work(200), graph_work(800)
    assert small["reached"] > 10 and large["chains_written"] > 0  # the shape has chains to find
    assert_linear(small, large, 4)
    # the old graph made one edge per (admin principal, role trusting the account): ~400 x 80 at 800
    assert large["edges"] < 3 * 800


def test_graph_work_grows_linearly_across_dense_accounts() -> None:
    small, large = graph_work(100, (ACCOUNT, MEMBER)), graph_work(400, (ACCOUNT, MEMBER))
    assert large["reached"] > 100
    assert_linear(small, large, 4)


def test_one_dense_account_of_a_thousand_roles_builds_with_bounded_work() -> None:
    work = graph_work(1000)
    assert work["nodes"] < 1100 and work["edges"] < 2 * 1000
    # every pass visits each edge a bounded number of times: Tarjan once, propagation once, the
    # breadth-first search at most twice per (node, layer) state (three layers)
    assert work["scc_edges_visited"] == work["edges"]
    assert work["propagation_edges"] <= work["edges"]
    assert work["bfs_edges_visited"] <= 6 * work["edges"] and work["bfs_labels"] <= 6 * work["nodes"]
    # Identity Center trusts (an aws:PrincipalArn pattern) sort the account's members once, not once per role
    assert work["grant_checks"] == 0 and 0 < work["members_expanded"] <= 1000
