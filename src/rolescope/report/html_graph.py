"""The trust graph as the HTML report draws it, at three levels.

The overview is computed here: one node per account (scanned or outside), identity provider, the
organisation and "anyone", and one edge per pair, weighted by how many roles it opens and classed by
the worst way in among them. The account and role levels are drawn by the page from the whole graph,
which is embedded as the scan document keeps it: nodes, shared edge descriptions ("ways") and
``[source, target, way]`` triples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from rolescope.report.graph_formats import edge_class
from rolescope.report.html_data import Table
from rolescope.report.index import AccountNames
from rolescope.report.model import ScanDocument
from rolescope.trust.graph_json import section_edges

ASSUMPTIONS = frozenset({"trust", "grant", "admitted"})
# the worst first: an overview edge takes the class of the worst way in among the roles it opens
CLASS_ORDER = ("public", "unguarded", "guarded", "internal")


def origin_label(origin: str, names: AccountNames) -> str:
    """An origin of the graph section for people: an account with its name, the organisation, a provider."""
    if origin.startswith("account:"):
        return "account " + names.label(origin.split(":", 1)[1])
    if origin.startswith("organization:"):
        return "organisation " + origin.split(":", 1)[1]
    return origin.rsplit("/", 1)[-1] if origin.startswith("arn:") else origin


def overview_home(node: Mapping[str, Any]) -> str | None:
    """The overview node a graph node belongs to: its account, its provider, the organisation, anyone.

    AWS services have none: a service acts inside the account that trusts it.
    """
    kind, account, ident = node.get("kind"), node.get("account"), str(node["id"])
    if kind == "service":
        return None
    if kind == "federated":
        return "provider:" + _provider_name(ident)
    if kind == "anyone":
        return "anyone"
    if kind in ("account", "organization"):
        return ident
    return "account:" + str(account) if account else "other"


def _provider_name(ident: str) -> str:
    # every account's GitHub provider is one node of the overview: the provider, not its copies
    return ident.rsplit("/", 1)[-1] if ident.startswith("arn:") else ident


def _overview_node(home: str, names: AccountNames, scanned: frozenset[str], roles: Mapping[str, int]
                   ) -> dict[str, Any]:
    kind, _, rest = home.partition(":")
    if kind == "account":
        label = names.label(rest)
        return {"id": home, "kind": "scanned" if rest in scanned else "outside", "label": label, "account": rest,
                "roles": roles.get(rest, 0)}
    if kind == "provider":
        return {"id": home, "kind": "provider", "label": rest}
    if kind == "organization":
        return {"id": home, "kind": "organization", "label": "organisation " + rest}
    return {"id": home, "kind": home, "label": "anyone" if home == "anyone" else "other principals"}


def overview(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]], names: AccountNames,
             scanned: frozenset[str], roles: Mapping[str, int]) -> dict[str, Any]:
    """The account-level graph: who reaches how many roles of which account, and how.

    Args:
        nodes: the graph section's nodes.
        edges: its edges as objects (:func:`section_edges`).
        names: account display names.
        scanned: the scanned accounts (each is a node, reached or not).
        roles: roles per scanned account.

    Returns:
        ``nodes`` (id, kind, label) and ``edges`` (source, target, ``roles`` opened, ``classes``: roles per
        class, ``class``: the worst), sorted so the same document always gives the same page.
    """
    by_id = {str(n["id"]): n for n in nodes}
    worst: dict[tuple[str, str, str], int] = {}
    for edge in edges:
        target = by_id.get(str(edge["target"]))
        source = by_id.get(str(edge["source"]))
        if edge.get("kind") not in ASSUMPTIONS or target is None or source is None or target.get("kind") != "role":
            continue
        home = overview_home(source)
        into = "account:" + str(target.get("account"))
        if home is None or home == into:
            continue
        rank = CLASS_ORDER.index(str(edge.get("class") or edge_class(dict(edge))))
        key = (home, into, str(edge["target"]))
        worst[key] = min(rank, worst.get(key, rank))
    pairs: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(CLASS_ORDER))
    for (home, into, _), rank in worst.items():
        pairs[home, into][rank] += 1
    homes = {f"account:{a}" for a in scanned} | {h for pair in pairs for h in pair}
    return {
        "nodes": [_overview_node(h, names, scanned, roles) for h in sorted(homes)],
        "edges": [{"source": s, "target": t, "roles": sum(counts),
                   "classes": {c: n for c, n in zip(CLASS_ORDER, counts, strict=True) if n},
                   "class": CLASS_ORDER[next(i for i, n in enumerate(counts) if n)]}
                  for (s, t), counts in sorted(pairs.items())],
    }


def rcp_exception_label(reference: str, policy_names: Mapping[str, str]) -> str:
    """An edge's ``rcp:<policy id>:<statement index>`` for people: ``RCP name (p-...), Statement[0]``."""
    _, policy_id, index = [*reference.split(":", 2), "", ""][:3]
    name = policy_names.get(policy_id)
    return f"RCP {name + ' (' + policy_id + ')' if name else policy_id}" + (f", Statement[{index}]" if index else "")


def graph_data(document: ScanDocument, names: AccountNames) -> dict[str, Any]:
    """What the page's graph needs: the overview, and the whole graph for the account and role levels."""
    graph = document.graph or {"nodes": [], "edges": [], "chains": []}
    scanned = frozenset(document.scanned_accounts)
    nodes: list[dict[str, Any]] = []
    for node in graph.get("nodes") or ():
        entry = {"id": node["id"], "kind": node.get("kind", "principal"), "account": node.get("account")}
        if node.get("label"):
            entry["label"] = node["label"]
        if entry["kind"] == "account" and entry["account"]:
            entry["label"] = names.label(entry["account"])
        for key in ("members", "origins", "indirect", "chain"):
            if node.get(key) is not None:
                entry[key] = node[key]
        nodes.append(entry)
    edges = section_edges(graph)
    index = {n["id"]: i for i, n in enumerate(nodes)}
    ways = Table()
    policy_names = {p.id: p.name for p in (document.organization.policies if document.organization else ())}
    triples = []
    for edge in edges:
        if edge["source"] not in index or edge["target"] not in index:
            continue
        way = {"kind": edge.get("kind") or "trust", "class": edge.get("class") or edge_class(edge),
               "requires": list(edge.get("requires") or ()), "statement": edge.get("statement"),
               "sid": edge.get("sid"), "via": edge.get("via")}
        if edge.get("rcp_exception"):
            way["rcpException"] = rcp_exception_label(str(edge["rcp_exception"]), policy_names)
        triples.append([index[edge["source"]], index[edge["target"]], ways.add(way)])
    # rolescope.graph/v1 wrote a chain as its list of role ARNs
    chains = [chain if isinstance(chain, dict) else {"path": list(chain)} for chain in graph.get("chains") or ()
              if isinstance(chain, dict | list)]
    roles = {a.account_id: len(a.roles) for a in document.accounts}
    return {
        "nodes": nodes,
        "ways": ways.values,
        "edges": triples,
        "chains": [{k: chain.get(k) for k in ("path", "steps", "explanation", "hops", "origin", "target")
                    if chain.get(k) is not None} for chain in chains],
        "overview": overview(nodes, edges, names, scanned, roles),
        "origins": [origin_label(o, names) for o in graph.get("origins") or ()],
        "originSets": graph.get("origin_sets") or [],
        "originSetSizes": graph.get("origin_set_sizes") or [],
        "truncated": dict(graph.get("truncated") or {}),
        "summary": dict(graph.get("summary") or {}),
        "scanned": sorted(scanned), "missing": not document.graph,
    }
