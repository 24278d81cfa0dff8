"""Reachability against a brute force: on random trust graphs, each role's outside origins, those that
reach it only through chains, and its example chain (valid, two or more assumptions, shortest) agree
with a search from each origin on its own."""

from __future__ import annotations

import random
from collections import Counter, deque
from itertools import pairwise

import pytest

from rolescope.trust.graph_model import (
    ASSUMPTIONS,
    EdgeKind,
    GraphEdge,
    GraphNode,
    GroupScope,
    NodeKind,
    TrustGraph,
    Way,
)
from rolescope.trust.reachability import _adjacency, _components, origin_of, reachability

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
WAY = Way(0, None, "cross-account", ())


def random_graph(seed: int) -> TrustGraph:
    rng = random.Random(seed)
    graph = TrustGraph()
    roles: list[int] = []
    groups: dict[str, int] = {}
    org = graph.add_node(GraphNode("organization:o-x", NodeKind.ORGANIZATION, "org"))
    for account in ACCOUNTS:
        groups[account] = graph.add_node(GraphNode(f"group:{account}", NodeKind.GROUP, "g", account,
                                                   scope=GroupScope.ANY))
        graph.add_edge(GraphEdge(groups[account], org, EdgeKind.MEMBER_ACCOUNT))
        for index in range(rng.randint(1, 5)):
            kind = NodeKind.USER if rng.random() < 0.2 else NodeKind.ROLE
            node = graph.add_node(GraphNode(f"arn:aws:iam::{account}:{kind.value}/p{index}", kind, f"p{index}",
                                            account))
            if kind is NodeKind.ROLE:
                roles.append(node)
            if rng.random() < 0.5:
                graph.add_edge(GraphEdge(node, groups[account], EdgeKind.MEMBER))
    outside = [graph.add_node(GraphNode("account:999999999999", NodeKind.ACCOUNT, "o", "999999999999")),
               graph.add_node(GraphNode("anyone", NodeKind.ANYONE, "anyone")),
               graph.add_node(GraphNode("idp", NodeKind.FEDERATED, "idp")),
               graph.add_node(GraphNode("svc", NodeKind.SERVICE, "svc"))]
    sources = [*groups.values(), org, *outside, *roles]
    for _ in range(rng.randint(0, 3 * len(roles))):
        kind = rng.choice([EdgeKind.TRUST, EdgeKind.TRUST, EdgeKind.GRANT, EdgeKind.ADMITTED])
        graph.add_edge(GraphEdge(rng.choice(sources), rng.choice(roles), kind, WAY, "v"))
    return graph


def layered_distances(graph: TrustGraph, starts: list[int]) -> dict[tuple[int, int], int]:
    """Edges from ``starts`` to each (node, assumptions so far capped at 2)."""
    found = {(s, 0): 0 for s in starts}
    queue = deque(found)
    while queue:
        v, layer = queue.popleft()
        for e in graph.out_edges(v):
            edge = graph.edges[e]
            state = (edge.target, min(layer + (edge.kind in ASSUMPTIONS), 2))
            if state not in found:
                found[state] = found[(v, layer)] + 1
                queue.append(state)
    return found


@pytest.mark.parametrize("seed", range(120))
def test_reachability_agrees_with_a_search_from_each_origin(seed: int) -> None:
    graph = random_graph(seed)
    reach = reachability(graph)
    by_origin: dict[str, list[int]] = {}
    for v, node in enumerate(graph.nodes):
        key = origin_of(node)
        if key is not None and graph.out_edges(v):
            by_origin.setdefault(key, []).append(v)
    searches = {key: layered_distances(graph, starts) for key, starts in by_origin.items()}
    for v, node in enumerate(graph.nodes):
        if node.kind is not NodeKind.ROLE:
            continue
        own = f"account:{node.account}"
        outside = {k for k, d in searches.items() if k != own and any((v, layer) in d for layer in range(3))}
        direct = {k for k in outside if (v, 1) in searches[k]}
        chained = {k: searches[k][(v, 2)] for k in outside if (v, 2) in searches[k]}
        found = reach.roles.get(v)
        if not outside:
            assert found is None, node.id
            continue
        assert found is not None, node.id
        assert set(reach.origin_names(found.origins)) == outside, node.id
        assert set(reach.origin_names(found.indirect)) == outside - direct, node.id
        assert found.chained == bool(chained), node.id
        chain = [graph.edges[e] for e in reach.chain(v)]
        if not chained:
            assert chain == []
            continue
        # a real chain: consecutive edges from an outside origin to the role, two or more assumptions
        assert chain[-1].target == v and all(a.target == b.source for a, b in pairwise(chain))
        start = origin_of(graph.nodes[chain[0].source])
        assert start in chained and sum(e.kind in ASSUMPTIONS for e in chain) >= 2
        assert len(chain) == min(chained.values()), node.id  # and a shortest one


@pytest.mark.parametrize("seed", range(60))
def test_components_are_the_principals_that_can_become_each_other(seed: int) -> None:
    graph = random_graph(seed)
    reached = {v: {u for u, _ in layered_distances(graph, [v])} for v in range(len(graph.nodes))}
    principals = [v for v, n in enumerate(graph.nodes) if n.kind in (NodeKind.ROLE, NodeKind.USER)]
    expected = set()
    for v in principals:
        together = frozenset(u for u in principals if u in reached[v] and v in reached[u])
        if len(together) >= 2:
            expected.add(together)
    found = {frozenset(c.principals) for c in reachability(graph).components}
    assert found == expected


@pytest.mark.parametrize("seed", range(60))
def test_dead_ends_settled_first_leave_the_components_a_full_visit_makes(seed: int) -> None:
    """Tarjan settles the nodes with no out-edges before its search (no visit each): the components
    are still the nodes that reach each other, numbered in reverse topological order."""
    graph = random_graph(seed)
    offsets, _, heads, sources = _adjacency(graph)
    assert sources == [v for v in range(len(graph.nodes)) if graph.out_edges(v)]
    component, count = _components(offsets, heads, sources, Counter())
    assert sorted(set(component)) == list(range(count))
    reached = {v: {u for u, _ in layered_distances(graph, [v])} for v in range(len(graph.nodes))}
    for v in range(len(graph.nodes)):
        for u in range(len(graph.nodes)):
            assert (component[u] == component[v]) == (u in reached[v] and v in reached[u])
    for edge in graph.edges:
        assert component[edge.source] >= component[edge.target]


@pytest.mark.parametrize("seed", range(60))
def test_labels_at_dead_ends_are_counted_though_not_queued(seed: int) -> None:
    """The search queues no label at a node with nowhere to go, yet counts every label taken."""
    graph = random_graph(seed)
    reach = reachability(graph)
    first, second = reach.labels.origin
    assert reach.counters["bfs_labels"] == sum(x >= 0 for x in first) + sum(x >= 0 for x in second)

