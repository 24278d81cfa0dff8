"""Write the trust graph as Graphviz DOT, JSON, or Mermaid."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import networkx as nx
import orjson

from rolescope.inventory.model import Organization
from rolescope.trust.graph import AccountGraphPart, build_graph, role_chains

COLOURS = {"unguarded": "#d62728", "guarded": "#2ca02c", "public": "#7b0000", "internal": "#7f7f7f"}


def edge_class(data: dict[str, Any]) -> str:
    """How an edge is coloured: by what the request must carry."""
    requires = set(data.get("requires") or ())
    if data.get("via") == "*" and not requires & {"org", "principal_account", "principal_arn"}:
        return "public"
    if data.get("scope") == "cross-account":
        return "guarded" if requires & {"mfa", "external_id", "mfa_or_external_id"} else "unguarded"
    return "internal"


def graph_json(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The graph as ``{"nodes": [...], "edges": [...], "chains": [...]}``."""
    return {
        "schema": "rolescope.graph/v1",
        "nodes": [{"id": node, **data} for node, data in sorted(graph.nodes(data=True))],
        "edges": [
            {"source": source, "target": target, "class": edge_class(data), **data}
            for source, target, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))
        ],
        "chains": role_chains(graph),
    }


def graph_section(parts: Iterable[AccountGraphPart], organization: Organization | None = None) -> dict[str, Any]:
    """The ``graph`` section of the scan document, from each scanned account's graph part."""
    del organization  # the organisation node of issue 10 will use it
    return graph_json(build_graph(parts))


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(graph: nx.MultiDiGraph) -> str:
    shapes = {"account": "box3d", "role": "box", "user": "ellipse", "service": "component",
              "federated": "hexagon", "anyone": "doubleoctagon"}
    lines = ["digraph rolescope {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    for account in sorted({d.get("account") for _, d in graph.nodes(data=True) if d.get("account")}):
        members = [n for n, d in graph.nodes(data=True) if d.get("account") == account]
        lines.append(f"  subgraph {_dot_id('cluster_' + str(account))} {{ label={_dot_id(str(account))};")
        for node in sorted(members):
            data = graph.nodes[node]
            lines.append(f"    {_dot_id(node)} [label={_dot_id(data.get('label', node))}, "
                         f"shape={shapes.get(data.get('kind', ''), 'ellipse')}];")
        lines.append("  }")
    for node, data in sorted(graph.nodes(data=True)):
        if not data.get("account"):
            lines.append(f"  {_dot_id(node)} [label={_dot_id(data.get('label', node))}, "
                         f"shape={shapes.get(data.get('kind', ''), 'ellipse')}];")
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
        label = ", ".join(data.get("requires") or ()) or "no conditions"
        lines.append(f"  {_dot_id(source)} -> {_dot_id(target)} [label={_dot_id(label)}, "
                     f"color={_dot_id(COLOURS[edge_class(data)])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_mermaid(graph: nx.MultiDiGraph) -> str:
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes))}

    def text(value: str) -> str:
        return re.sub(r'["<>{}\[\]|]', "_", value)

    lines = ["flowchart LR"]
    for node, data in sorted(graph.nodes(data=True)):
        lines.append(f'  {ids[node]}["{text(str(data.get("label", node)))}"]')
    styles = []
    for index, (source, target, data) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))):
        label = text(", ".join(data.get("requires") or ()) or "no conditions")
        lines.append(f'  {ids[source]} -->|"{label}"| {ids[target]}')
        styles.append(f"  linkStyle {index} stroke:{COLOURS[edge_class(data)]}")
    return "\n".join(lines + styles) + "\n"


def render_graph(graph: nx.MultiDiGraph, output_format: str) -> bytes:
    if output_format == "json":
        return orjson.dumps(graph_json(graph), option=orjson.OPT_INDENT_2) + b"\n"
    if output_format == "dot":
        return render_dot(graph).encode()
    return render_mermaid(graph).encode()
