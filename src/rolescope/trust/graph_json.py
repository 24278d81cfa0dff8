"""The trust graph as the scan document's ``graph`` section (schema ``rolescope.graph/v2``).

Nodes and edges are written whole (both are linear in the policies), compactly: an edge is
``[source, target, way]``, indexes into ``nodes`` and ``ways`` (what the edge says, shared by every
edge that says the same: kind, class, statement, requires, via). What reachability found is
written compactly: each role some outside origin reaches carries ``origins`` (an index into
``origin_sets``, lists of indexes into ``origins``), ``indirect`` when some of them reach it only
through chains, and ``chain`` (an index into ``chains``) when its example chain is written. The
example chains (the shortest of two or more assumptions from outside, roles with indirect origins
first) and the strongly connected components are lists with a cap; ``truncated`` says how many were
left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rolescope.trust.graph_model import (
    ASSUMPTIONS,
    GRAPH_SCHEMA,
    EdgeKind,
    GraphEdge,
    GraphNode,
    NodeKind,
    TrustGraph,
    Way,
    edge_class,
)
from rolescope.trust.reachability import Component, Reachability, origin_of, reachability, set_bits

MAX_CHAINS = 1000
MAX_COMPONENTS = 100
# A role in a large organisation is reached from most of it: sets hundreds or thousands of origins wide
# would make the section grow with roles x accounts. Each set lists its first origins by name and its size.
MAX_ORIGINS = 50
MAX_COMPONENT_MEMBERS = 10
# An enum member's ``.value`` is a Python-level property (and a look-up on an enum class is slow in
# Python 3.11): a section writes one kind per node, read from this table.
_KIND_VALUES = {kind: kind.value for kind in NodeKind}
_GROUP = NodeKind.GROUP


def graph_json(graph: TrustGraph, reach: Reachability | None = None, *, max_chains: int = MAX_CHAINS,
               max_components: int = MAX_COMPONENTS, max_origins: int = MAX_ORIGINS) -> dict[str, Any]:
    """The ``graph`` section of the scan document.

    Args:
        graph: the trust graph.
        reach: its reachability (computed when not given).
        max_chains: the most example chains written.
        max_components: the most strongly connected components written.
        max_origins: the most origins listed in one origin set (its first by name; ``origin_set_sizes``
            gives each set's size, ``truncated.origin_sets`` how many were left unlisted in all).

    Returns:
        ``{"schema", "nodes", "edges", "origins", "origin_sets", "chains", "components", "summary",
        "truncated", "counters"}``, and ``scp_cuts`` when SCPs cut edges; see docs/graph.md.
    """
    if reach is None:
        reach = reachability(graph)
    return _section(graph, reach, max_chains, max_components, max_origins)


def _section(graph: TrustGraph, reach: Reachability, max_chains: int, max_components: int, max_origins: int
             ) -> dict[str, Any]:
    nodes = graph.nodes
    chained = sorted((v for v, r in reach.roles.items() if r.chained),
                     key=lambda v: (not reach.roles[v].indirect, nodes[v].id))
    shown = chained[:max_chains]
    chain_number = {v: i for i, v in enumerate(shown)}
    sets: dict[int, int] = {}
    node_entries = list(map(node_json, nodes))
    # only the roles reached carry more; in node order, the order the origin sets are numbered in
    for v in sorted(reach.roles):
        found = reach.roles[v]
        entry = node_entries[v]
        entry["origins"] = sets.setdefault(found.origins, len(sets))
        if found.indirect:
            entry["indirect"] = sets.setdefault(found.indirect, len(sets))
        if v in chain_number:
            entry["chain"] = chain_number[v]
    ways: dict[tuple[EdgeKind, Way | None, str | None], int] = {}
    # The edges of one trust path share its Way object: a way's number is found by the object's
    # identity (the graph holds every way, so no id is reused meanwhile), and by its value, a hash
    # worked out in Python, once per object.
    by_object: dict[tuple[EdgeKind, int, str | None], int] = {}
    edges = []
    for e in graph.edges:
        kind, way, via = e.kind, e.way, e.via
        number = by_object.get((kind, id(way), via))
        if number is None:
            number = by_object[(kind, id(way), via)] = ways.setdefault((kind, way, via), len(ways))
        edges.append([e.source, e.target, number])
    # reach.origins is sorted by name and a set's lowest bits are its first origins by name
    origin_sets = [set_bits(bits, max_origins) for bits in sets]
    origin_set_sizes = [bits.bit_count() for bits in sets]
    unlisted = sum(size - len(listed) for size, listed in zip(origin_set_sizes, origin_sets, strict=True))
    truncated = {name: count for name, count in (("chains", len(chained) - len(shown)),
                                                  ("components", len(reach.components) - max_components),
                                                  ("origin_sets", unlisted))
                 if count > 0}
    return {
        "schema": GRAPH_SCHEMA,
        "nodes": node_entries,
        "ways": [way_json(kind, way, via) for kind, way, via in ways],
        "edges": edges,
        "origins": list(reach.origins),
        "origin_sets": origin_sets,
        "origin_set_sizes": origin_set_sizes,
        "chains": [chain_json(graph, reach, v) for v in shown],
        "components": [component_json(graph, c) for c in reach.components[:max_components]],
        "summary": {
            "roles_reached_from_outside": len(reach.roles),
            "roles_reached_through_chains": len(chained),
            "roles_with_indirect_origins": sum(1 for r in reach.roles.values() if r.indirect),
            "components": len(reach.components),
            "largest_component": len(reach.components[0].principals) if reach.components else 0,
        },
        "truncated": truncated,
        "counters": dict(sorted({**graph.counters, **reach.counters}.items())),
        **({"scp_cuts": dict(sorted(graph.scp_cuts.items()))} if graph.scp_cuts else {}),
    }


def node_json(node: GraphNode) -> dict[str, Any]:
    """One node as JSON; ``label`` is left out when it is the id's last ``/`` segment (a role's name)."""
    ident, label = node.id, node.label
    entry: dict[str, Any] = {"id": ident, "kind": _KIND_VALUES[node.kind], "account": node.account}
    if label != ident.rpartition("/")[2]:  # its last segment, without rsplit's list
        entry["label"] = label
    if node.kind is _GROUP:
        entry["members"] = {"roles": node.roles, "users": node.users}
        entry["scope"] = node.scope.value if node.scope else None
    return entry


def way_json(kind: EdgeKind, way: Way | None, via: str | None) -> dict[str, Any]:
    """What an edge says, shared by every edge that says it: its kind and colour class, and, for an
    assumption, the admitting statement, what the request must carry and the policy principal."""
    entry: dict[str, Any] = {
        "kind": kind.value,
        "class": edge_class(kind, way.scope if way else None, way.requires if way else (), via),
    }
    if way is not None:
        entry.update(statement=way.statement, sid=way.sid, scope=way.scope, requires=list(way.requires), via=via)
        if way.rcp_exception:
            entry["rcp_exception"] = way.rcp_exception
    return entry


def edge_json(graph: TrustGraph, edge: GraphEdge) -> dict[str, Any]:
    """One edge as JSON with its ends by node id (a chain's steps)."""
    return {"source": graph.nodes[edge.source].id, "target": graph.nodes[edge.target].id,
            **way_json(edge.kind, edge.way, edge.via)}


def chain_json(graph: TrustGraph, reach: Reachability, role: int) -> dict[str, Any]:
    """The shortest chain of two or more assumptions to ``role`` from an outside origin, step by step
    and in words."""
    edges = [graph.edges[e] for e in reach.chain(role)]
    start = graph.nodes[edges[0].source] if edges else graph.nodes[role]
    return {
        "target": graph.nodes[role].id,
        "origin": origin_of(start),
        "hops": sum(1 for e in edges if e.kind in ASSUMPTIONS),
        "path": [start.id, *(graph.nodes[e.target].id for e in edges)],
        "steps": [edge_json(graph, e) for e in edges],
        "explanation": "; ".join(explain(graph, e) for e in edges),
    }


def component_json(graph: TrustGraph, component: Component) -> dict[str, Any]:
    """A strongly connected component: its size, accounts and first members (the rest counted)."""
    members = [graph.nodes[v] for v in component.principals]
    roles = sum(1 for m in members if m.kind is NodeKind.ROLE)
    entry: dict[str, Any] = {
        "size": len(members),
        "roles": roles,
        "users": len(members) - roles,
        "accounts": list(component.accounts),
        "members": [m.id for m in members[:MAX_COMPONENT_MEMBERS]],
    }
    if len(members) > MAX_COMPONENT_MEMBERS:
        entry["truncated"] = {"members": len(members) - MAX_COMPONENT_MEMBERS}
    return entry


def describe(node: GraphNode) -> str:
    """A node in words: ``role deploy (111122223333)``, ``group:111122223333``, ``anyone``..."""
    if node.kind in (NodeKind.ROLE, NodeKind.USER):
        return f"{node.kind.value} {node.label}" + (f" ({node.account})" if node.account else "")
    if node.kind is NodeKind.GROUP:
        return node.id
    if node.kind is NodeKind.ACCOUNT:
        return f"account {node.account} (outside the scan)"
    return node.label


def explain(graph: TrustGraph, edge: GraphEdge) -> str:
    """One step of a chain in words."""
    source, target = graph.nodes[edge.source], graph.nodes[edge.target]
    if edge.kind is EdgeKind.MEMBER:
        return f"{describe(source)} is a member of {target.id}, whose members may assume " + \
            ("any role that trusts " if target.scope is None or target.scope.value == "any" else
             "any role of their account that trusts ") + f"{target.account}"
    if edge.kind is EdgeKind.MEMBER_ACCOUNT:
        return f"the members of {source.id} are principals of {target.label}"
    way = edge.way
    how = ""
    if way is not None:
        how = f" (Statement[{way.statement}]" + (f" {way.sid}" if way.sid else "") + ", " + \
            (f"requires {', '.join(way.requires)}" if way.requires else "no condition") + ")"
    if edge.kind is EdgeKind.GRANT:
        return f"{describe(source)}'s identity policy allows sts:AssumeRole on {describe(target)}, which trusts " \
               f"{_trusted(edge.via)}{how}"
    if edge.kind is EdgeKind.ADMITTED:
        return f"{describe(target)} trusts {_trusted(edge.via)} and admits {describe(source)} by name{how}"
    if source.kind is NodeKind.GROUP:
        return f"{describe(target)} trusts {_trusted(edge.via)}{how}"
    if source.kind is NodeKind.ORGANIZATION:
        return f"{describe(target)} trusts any principal of {source.label.split(' (')[0]}{how}"
    return f"{describe(target)} trusts {describe(source)}{how}"


def _trusted(via: str | None) -> str:
    if via is None:
        return "its principal"
    parts = via.split(":", 5)
    if len(parts) == 6 and parts[5] == "root":
        return f"account {parts[4]}"
    return f"account {via}" if via.isdigit() else via


def section_edges(section: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The edges of a graph section as objects with their ends by node id (``rolescope.graph/v2``
    writes them as ``[source, target, way]``; v1 wrote objects, returned as they are)."""
    nodes = section.get("nodes") or []
    ways = section.get("ways") or []
    found = []
    for edge in section.get("edges") or ():
        if isinstance(edge, dict):
            found.append(edge)
        elif isinstance(edge, list) and len(edge) == 3:
            source, target, way = edge
            found.append({"source": nodes[source]["id"], "target": nodes[target]["id"], **ways[way]})
    return found
