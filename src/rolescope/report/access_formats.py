"""Answers to access questions (:mod:`rolescope.trust.access`) as a table for people, JSON, or Mermaid.

Names come from scanned files: every line of the table is made safe (:func:`rolescope.textsafe.safe_text`)
and Mermaid labels go through the graph renderer's cleaning; JSON keeps the strings as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from rolescope.report.graph_formats import render_mermaid
from rolescope.textsafe import safe_text
from rolescope.trust.access import Access, Hop, requirement_keys
from rolescope.trust.graph_json import describe, node_json, way_json
from rolescope.trust.graph_model import GraphEdge, GraphNode, TrustGraph
from rolescope.wording import count


def hop_requirements(hop: Hop) -> list[str]:
    """What a hop's request must carry, each with the values it must send when known:
    ``["mfa", "external_id = ci-7Hq2"]``."""
    values = dict(hop.values)
    shown = []
    for requirement in hop.requires:
        sent = [v for key in requirement_keys(requirement, values) for v in values.get(key, ())]
        shown.append(f"{requirement} = {' | '.join(sent)}" if sent and requirement != "mfa" else requirement)
    return shown


def hop_json(hop: Hop) -> dict[str, Any]:
    """One hop: its ends by id, what the edge says, the values its request carries, and the words."""
    return {"source": hop.source.id, "target": hop.target.id, **way_json(hop.edge.kind, hop.edge.way, hop.edge.via),
            "values": {key: list(values) for key, values in hop.values}, "explanation": hop.explanation}


def access_json(access: Access) -> dict[str, Any]:
    """One answer: who, into which role, how many assumptions, what the requests carry, the chain."""
    return {"principal": node_json(access.principal), "role": node_json(access.role),
            "assumptions": access.assumptions, "cross_account": access.cross_account,
            "requires": list(access.requires), "chain": [hop_json(h) for h in access.chain]}


def render_json(question: dict[str, Any], answers: Sequence[Access], **extra: Any) -> bytes:
    """``{"question": ..., "count": n, "answers": [...], ...extra}`` as indented JSON."""
    payload = {"question": question, "count": len(answers), "answers": [access_json(a) for a in answers], **extra}
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n"


def render_table(title: str, answers: Sequence[Access], *, who: bool) -> str:
    """One row per answer (the principal when ``who``, else the role; assumptions; requirements), each
    followed by its chain, hop by hop, in words."""
    lines = [title]
    if answers:
        rows = [(describe(a.principal if who else a.role), str(a.assumptions),
                 "; ".join(r for h in a.chain for r in hop_requirements(h)) or "-") for a in answers]
        heading = ("PRINCIPAL" if who else "ROLE", "HOPS", "REQUIRES")
        widths = [max(len(safe_text(r[i])) for r in [heading, *rows]) for i in range(2)]
        for row, access in zip([heading, *rows], [None, *answers], strict=True):
            lines.append(f"  {safe_text(row[0]).ljust(widths[0])}  {row[1].rjust(widths[1])}  {safe_text(row[2])}")
            if access is not None:
                lines += [f"      - {safe_text(hop.explanation)}" + _values_note(hop) for hop in access.chain]
    return "\n".join(safe_text(line) for line in lines) + "\n"


def render_path_table(source: str, target: str, found: Access | None, reasons: Sequence[str]) -> str:
    """The chain, hop by hop, or why there is none."""
    if found is not None and not found.chain:
        lines = [f"{describe(found.principal)} is the role itself: nothing to assume."]
    elif found is not None:
        lines = [f"{describe(found.principal)} can end up in {describe(found.role)} with "
                 f"{count(found.assumptions, 'assumption')}"
                 + (f" (requires {', '.join(found.requires)})" if found.requires else "") + ":"]
        lines += [f"  {i}. {hop.explanation}" + _values_note(hop) for i, hop in enumerate(found.chain, 1)]
    else:
        lines = [f"No chain leads from {source} into {target}:"] + [f"  - {reason}" for reason in reasons]
    return "\n".join(safe_text(line) for line in lines) + "\n"


def _values_note(hop: Hop) -> str:
    sent = [r for r in hop_requirements(hop) if " = " in r]
    return f" [request carries {', '.join(sent)}]" if sent else ""


def render_chains_mermaid(answers: Sequence[Access], extra_nodes: Sequence[GraphNode] = ()) -> str:
    """The answers' chains as one Mermaid flowchart (each edge once), coloured as ``rolescope graph`` does."""
    graph = TrustGraph()
    seen: set[tuple[int, int, GraphEdge]] = set()
    for node in extra_nodes:
        graph.add_node(node)
    for access in answers:
        graph.add_node(access.principal)
        for hop in access.chain:
            source, target = graph.add_node(hop.source), graph.add_node(hop.target)
            key = (source, target, hop.edge)
            if key not in seen:
                seen.add(key)
                graph.add_edge(GraphEdge(source, target, hop.edge.kind, hop.edge.way, hop.edge.via))
    return render_mermaid(graph)
