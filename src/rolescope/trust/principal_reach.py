"""Every role one principal can reach, read from a scan document's graph section (``rolescope.graph/v2``).

The seam for ``rolescope profiles --from-scan``: :func:`reachable_roles` takes the section as the
document holds it (untrusted JSON) and returns each role with the role its shortest chain comes
through and what the last hop's request must carry. A shared "can-assume" query over the graph can
later stand in for it with the same result type.

A principal reaches a role by an assumption edge (``trust``, ``grant``, ``admitted``) from itself,
or from a group or the organisation it belongs to (``member``, ``member-account``); from a role it
reaches, it goes on (role chaining). Breadth first, so each role comes with one of its shortest chains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_ASSUMPTIONS = frozenset({"trust", "grant", "admitted"})
_MEMBERSHIPS = frozenset({"member", "member-account"})


class GraphSectionError(ValueError):
    """The graph section is missing or not what ``rolescope.graph/v2`` writes."""


@dataclass(frozen=True, slots=True)
class ReachedRole:
    """A role the principal can end up in.

    Attributes:
        arn: the role.
        via: the role whose session assumes it (a chain), or ``None`` when the principal assumes it itself.
        requires: what the request of that last hop must carry (``mfa``, ``external_id``...).
        hops: assumptions from the principal.
    """

    arn: str
    via: str | None
    requires: tuple[str, ...]
    hops: int


@dataclass(frozen=True, slots=True)
class _Edge:
    target: str
    kind: str
    requires: tuple[str, ...]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise GraphSectionError(f"graph section: {where} is not a string")
    return value


def _read_graph(section: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[_Edge]]]:
    """Node id -> kind, and each node's outgoing edges, checked as they are read."""
    nodes, ways, edges = section.get("nodes"), section.get("ways"), section.get("edges")
    if not isinstance(nodes, list) or not isinstance(edges, list) or not isinstance(ways, list):
        raise GraphSectionError("graph section: nodes, ways and edges must be lists")
    ids: list[str] = []
    kinds: dict[str, str] = {}
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            raise GraphSectionError(f"graph section: nodes[{index}] is not an object")
        node_id = _text(node.get("id"), f"nodes[{index}].id")
        ids.append(node_id)
        kinds[node_id] = _text(node.get("kind"), f"nodes[{index}].kind")
    out: dict[str, list[_Edge]] = {}
    for index, edge in enumerate(edges):
        if not (isinstance(edge, list) and len(edge) == 3 and all(type(i) is int for i in edge)
                and 0 <= edge[0] < len(ids) and 0 <= edge[1] < len(ids) and 0 <= edge[2] < len(ways)):
            raise GraphSectionError(f"graph section: edges[{index}] is not [source, target, way] by index")
        way = ways[edge[2]]
        if not isinstance(way, dict):
            raise GraphSectionError(f"graph section: ways[{edge[2]}] is not an object")
        requires = way.get("requires") or []
        if not isinstance(requires, list):
            raise GraphSectionError(f"graph section: ways[{edge[2]}].requires is not a list")
        kind = _text(way.get("kind"), f"ways[{edge[2]}].kind")
        out.setdefault(ids[edge[0]], []).append(
            _Edge(ids[edge[1]], kind, tuple(sorted(_text(r, f"ways[{edge[2]}].requires") for r in requires))))
    return kinds, out


def _assumable(start: str, kinds: Mapping[str, str], out: Mapping[str, list[_Edge]]) -> dict[str, tuple[str, ...]]:
    """The roles ``start`` may assume in one hop, each with the fewest requirements among its ways in."""
    found: dict[str, tuple[str, ...]] = {}
    seen = {start}
    stack = [start]
    while stack:
        for edge in out.get(stack.pop(), ()):
            if edge.kind in _MEMBERSHIPS and edge.target not in seen:
                seen.add(edge.target)
                stack.append(edge.target)
            elif edge.kind in _ASSUMPTIONS and kinds.get(edge.target) == "role":
                known = found.get(edge.target)
                if known is None or (len(edge.requires), edge.requires) < (len(known), known):
                    found[edge.target] = edge.requires
    return found


def reachable_roles(section: Mapping[str, Any] | None, principal: str) -> list[ReachedRole]:
    """Every role ``principal`` can reach, nearest first (then by ARN), itself left out.

    Args:
        section: the scan document's ``graph`` section.
        principal: a user's or role's ARN, as the graph names it.

    Raises:
        GraphSectionError: no graph section, a malformed one, or the principal is no user or role.
        A principal the graph does not hold reaches nothing: no policy lets it assume a role.
    """
    if section is None:
        raise GraphSectionError("the scan document has no graph section: scan again with the graph (a scan of "
                                "files or accounts writes it unless --no-graph)")
    kinds, out = _read_graph(section)
    if kinds.get(principal, "role") not in ("user", "role"):
        raise GraphSectionError(f"{principal} is a {kinds[principal]} of the graph, not a user or role")
    reached: dict[str, ReachedRole] = {}
    layer = [principal]
    hops = 0
    while layer:
        hops += 1
        following = []
        for source in layer:
            via = None if source == principal else source
            for arn, requires in sorted(_assumable(source, kinds, out).items()):
                if arn != principal and arn not in reached:
                    reached[arn] = ReachedRole(arn, via, requires, hops)
                    following.append(arn)
        layer = following
    return list(reached.values())
