"""Write the trust graph as JSON (the scan document's ``graph`` section), Graphviz DOT, Mermaid, or text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson

from rolescope.inventory.model import Organization
from rolescope.textsafe import safe_text
from rolescope.trust import graph_model
from rolescope.trust.graph import AccountGraphPart, build_graph
from rolescope.trust.graph_json import describe, explain, graph_json
from rolescope.trust.graph_model import GraphEdge, NodeKind, TrustGraph
from rolescope.trust.reachability import Reachability, reachability
from rolescope.wording import count

COLOURS = {"unguarded": "#d62728", "guarded": "#2ca02c", "public": "#7b0000", "internal": "#7f7f7f"}
SHAPES = {"account": "box3d", "role": "box", "user": "ellipse", "group": "folder", "organization": "tab",
          "service": "component", "federated": "hexagon", "anyone": "doubleoctagon"}
FORMATS = ("dot", "json", "mermaid", "text")


def edge_class(data: dict[str, Any]) -> str:
    """How an edge of the graph section is coloured: by what the request must carry."""
    return graph_model.edge_class(str(data.get("kind") or "trust"), data.get("scope"), data.get("requires") or (),
                                  data.get("via"))


def graph_section(parts: Iterable[AccountGraphPart], organization: Organization | None = None) -> dict[str, Any]:
    """The ``graph`` section of the scan document, from each scanned account's graph part.

    Args:
        parts: the scanned accounts' graph parts.
        organization: the organisation, when known.

    Returns:
        The section (schema ``rolescope.graph/v2``).
    """
    return graph_json(build_graph(parts, organization))


def _dot_string(text: str) -> str:
    """A DOT quoted string showing ``text``: invisible characters as escapes (a newline too, so no
    label gains a line), then backslashes and quotes escaped as DOT reads them."""
    return '"' + safe_text(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_id(text: str) -> str:
    """A node id: as :func:`_dot_string`, with the text's own backslashes doubled first, so ``a\\x1b``
    and ``a`` + ESC stay two nodes."""
    return _dot_string(text.replace("\\", "\\\\"))


def _edge_label(edge: GraphEdge) -> str:
    if edge.way is None:
        return edge.kind.value
    return ", ".join(edge.way.requires) or "no conditions"


def _colour(edge: GraphEdge) -> str:
    way = edge.way
    return COLOURS[graph_model.edge_class(edge.kind, way.scope if way else None, way.requires if way else (),
                                          edge.via)]


def render_dot(graph: TrustGraph) -> str:
    """The graph as Graphviz DOT: one cluster per account, edges coloured by class."""
    lines = ["digraph rolescope {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    by_account: dict[str, list[int]] = {}
    for v, node in enumerate(graph.nodes):
        by_account.setdefault(node.account or "", []).append(v)

    def line(v: int, indent: str) -> str:
        node = graph.nodes[v]
        shape = SHAPES.get(node.kind, "ellipse")
        return f"{indent}{_dot_id(node.id)} [label={_dot_string(node.label)}, shape={shape}];"

    for account in sorted(a for a in by_account if a):
        lines.append(f"  subgraph {_dot_id('cluster_' + account)} {{ label={_dot_string(account)};")
        lines += [line(v, "    ") for v in sorted(by_account[account], key=lambda v: graph.nodes[v].id)]
        lines.append("  }")
    lines += [line(v, "  ") for v in sorted(by_account.get("", []), key=lambda v: graph.nodes[v].id)]
    for edge in _sorted_edges(graph):
        style = ", style=dashed" if edge.way is None else ""
        lines.append(f"  {_dot_id(graph.nodes[edge.source].id)} -> {_dot_id(graph.nodes[edge.target].id)} "
                     f"[label={_dot_string(_edge_label(edge))}, color={_dot_string(_colour(edge))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(value: str) -> str:
    # Mermaid has no escape for these inside a quoted label: they become "_". Invisible characters
    # are shown as escapes first, so none can end the line.
    return re.sub(r'["<>{}\[\]|#;`&]', "_", safe_text(value))


def render_mermaid(graph: TrustGraph) -> str:
    """The graph as a Mermaid flowchart; labels cleaned of the characters Mermaid would read."""
    ids = {v: f"n{i}" for i, v in enumerate(sorted(range(len(graph.nodes)), key=lambda v: graph.nodes[v].id))}
    lines = ["flowchart LR"]
    for v in ids:
        lines.append(f'  {ids[v]}["{_mermaid_text(graph.nodes[v].label)}"]')
    styles = []
    for index, edge in enumerate(_sorted_edges(graph)):
        arrow = "-.->" if edge.way is None else "-->"
        lines.append(f'  {ids[edge.source]} {arrow}|"{_mermaid_text(_edge_label(edge))}"| {ids[edge.target]}')
        styles.append(f"  linkStyle {index} stroke:{_colour(edge)}")
    return "\n".join(lines + styles) + "\n"


def render_text(graph: TrustGraph, reach: Reachability | None = None, *, max_items: int = 20) -> str:
    """A summary for people: the graph's size, its groups, the components of principals that can
    assume each other, and example chains into roles only chains reach (each list says what it cut)."""
    reach = reach or reachability(graph)
    nodes = graph.nodes
    groups = [n for n in nodes if n.kind is NodeKind.GROUP]
    lines = [f"{count(len(nodes), 'node')}, {count(len(graph.edges), 'edge')}; "
             f"{count(len(reach.roles), 'role')} reachable from outside their account"]
    if groups:
        lines.append("")
        lines.append("Principal groups:")
        lines += [f"  {g.id}: {g.label}" for g in sorted(groups, key=lambda g: g.id)[:max_items]]
        lines += _cut(len(groups), max_items, "groups")
    components = reach.components
    lines.append("")
    lines.append(f"Roles and users that can assume each other (strongly connected): {count(len(components), 'group')}"
                 if components else "No roles or users can assume each other in a cycle.")
    for component in components[:max_items]:
        members = [nodes[v] for v in component.principals]
        sample = ", ".join(describe(m) for m in members[:5])
        more = f" and {len(members) - 5:,} more" if len(members) > 5 else ""
        lines.append(f"  {count(len(members), 'principal')} across {count(len(component.accounts), 'account')} "
                     f"({', '.join(component.accounts[:5])}{', ...' if len(component.accounts) > 5 else ''}): "
                     f"{sample}{more}")
    lines += _cut(len(components), max_items, "components")
    chained = sorted((v for v, r in reach.roles.items() if r.chained),
                     key=lambda v: (not reach.roles[v].indirect, nodes[v].id))
    lines.append("")
    lines.append(f"Roles reached from outside through chains of two or more assumptions: {len(chained):,} "
                 f"({sum(1 for r in reach.roles.values() if r.indirect):,} of them by origins only chains bring in)")
    for v in chained[:max_items]:
        edges = [graph.edges[e] for e in reach.chain(v)]
        bits = reach.roles[v].indirect
        indirect = reach.origin_names(bits, 5)
        names = ", ".join(indirect) + (f" and {bits.bit_count() - 5:,} more" if bits.bit_count() > 5 else "")
        lines.append(f"  {describe(nodes[v])}" + (f", reached only through chains by {names}" if indirect else "")
                     + ":")
        lines += [f"    - {explain(graph, e)}" for e in edges]
    lines += _cut(len(chained), max_items, "chains")
    # Names and labels come from the scanned files: each line is made safe as a whole.
    return "\n".join(safe_text(line) for line in lines) + "\n"


def _cut(total: int, shown: int, what: str) -> list[str]:
    return [f"  ... {total - shown:,} more {what} not shown (see --format json)"] if total > shown else []


def _sorted_edges(graph: TrustGraph) -> list[GraphEdge]:
    nodes = graph.nodes
    return sorted(graph.edges, key=lambda e: (nodes[e.source].id, nodes[e.target].id, e.kind,
                                              -1 if e.way is None else e.way.statement, e.via or ""))


def render_graph(graph: TrustGraph, output_format: str) -> bytes:
    """The graph in ``output_format`` (one of :data:`FORMATS`)."""
    if output_format == "json":
        return orjson.dumps(graph_json(graph), option=orjson.OPT_INDENT_2) + b"\n"
    if output_format == "dot":
        return render_dot(graph).encode()
    if output_format == "text":
        return render_text(graph).encode()
    return render_mermaid(graph).encode()

