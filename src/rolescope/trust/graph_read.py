"""The scan document's ``graph`` section (``rolescope.graph/v2``) read back into a :class:`TrustGraph`.

The section comes from a file anyone could have edited: every node, way and edge is checked as it is
read, and the first mistake is one line naming its place (:class:`GraphSectionError`), never a
``KeyError`` deep in a query. Reachability is not read back: the queries of
:mod:`rolescope.trust.access` search the graph itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from rolescope.trust import graph_model as model
from rolescope.trust.graph_model import EdgeKind, GroupScope, NodeKind

_E = TypeVar("_E", NodeKind, EdgeKind, GroupScope)


class GraphSectionError(ValueError):
    """A graph section that cannot be read; the message is one line."""


def graph_from_section(section: Mapping[str, Any]) -> model.TrustGraph:
    """The trust graph a ``graph`` section describes.

    Args:
        section: the decoded section (``ScanDocument.graph``).

    Returns:
        The graph: the same nodes, in the same order, and the same edges.

    Raises:
        GraphSectionError: the section is not ``rolescope.graph/v2`` or is malformed.
    """
    schema = section.get("schema")
    if schema != model.GRAPH_SCHEMA:
        raise GraphSectionError(f"graph schema {schema!r} is not {model.GRAPH_SCHEMA!r}: "
                                "scan again with this rolescope")
    graph = model.TrustGraph()
    for i, item in enumerate(_list(section, "nodes")):
        node = _node(item, f"graph.nodes[{i}]")
        if graph.add_node(node) != i:
            raise GraphSectionError(f"graph.nodes[{i}]: id {node.id!r} appears twice")
    ways = [_way(item, f"graph.ways[{i}]") for i, item in enumerate(_list(section, "ways"))]
    size = len(graph.nodes)
    for i, item in enumerate(_list(section, "edges")):
        where = f"graph.edges[{i}]"
        if not (isinstance(item, list) and len(item) == 3 and all(type(x) is int for x in item)):
            raise GraphSectionError(f"{where}: not [source, target, way] indexes")
        source, target, way = item
        if not (0 <= source < size and 0 <= target < size and 0 <= way < len(ways)):
            raise GraphSectionError(f"{where}: an index out of range")
        kind, found, via = ways[way]
        graph.add_edge(model.GraphEdge(source, target, kind, found, via))
    return graph


def _list(section: Mapping[str, Any], key: str) -> list[Any]:
    value = section.get(key)
    if not isinstance(value, list):
        raise GraphSectionError(f"graph.{key} is missing or not a list")
    return value


def _object(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise GraphSectionError(f"{where}: not an object")
    return item


def _text(item: dict[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise GraphSectionError(f"{where}.{key}: missing or not text")
    return value


def _choice(kind: type[_E], value: Any, where: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        raise GraphSectionError(f"{where}: {value!r} is not one of {', '.join(k.value for k in kind)}") from None


def _node(item: Any, where: str) -> model.GraphNode:
    entry = _object(item, where)
    ident = _text(entry, "id", where)
    assert ident is not None
    kind = _choice(NodeKind, entry.get("kind"), f"{where}.kind")
    label = _text(entry, "label", where, optional=True) or ident.rsplit("/", 1)[-1]
    account = _text(entry, "account", where, optional=True)
    roles = users = 0
    scope = None
    if kind is NodeKind.GROUP:
        members = _object(entry.get("members"), f"{where}.members")
        roles, users = _count(members, "roles", where), _count(members, "users", where)
        if entry.get("scope") is not None:
            scope = _choice(GroupScope, entry["scope"], f"{where}.scope")
    return model.GraphNode(ident, kind, label, account, roles, users, scope)


def _count(members: dict[str, Any], key: str, where: str) -> int:
    value = members.get(key)
    if type(value) is not int or value < 0:
        raise GraphSectionError(f"{where}.members.{key}: not a count")
    return value


def _way(item: Any, where: str) -> tuple[EdgeKind, model.Way | None, str | None]:
    entry = _object(item, where)
    kind = _choice(EdgeKind, entry.get("kind"), f"{where}.kind")
    if "statement" not in entry:
        return kind, None, None
    statement, requires = entry.get("statement"), entry.get("requires")
    if type(statement) is not int:
        raise GraphSectionError(f"{where}.statement: not a number")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise GraphSectionError(f"{where}.requires: not a list of text")
    scope = _text(entry, "scope", where)
    assert scope is not None
    way = model.Way(statement, _text(entry, "sid", where, optional=True), scope, tuple(requires))
    return kind, way, _text(entry, "via", where, optional=True)
