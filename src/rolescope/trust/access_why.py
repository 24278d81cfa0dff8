"""Why no chain leads from a principal into a role: which half of the assumption is missing.

Cross-account access needs both halves: the role's trust policy must admit the caller (its ARN, its
account, its organisation, anyone), and the caller's identity policies must allow ``sts:AssumeRole``
on the role. :func:`why_no_path` names the half that fails for the direct hop — the trust statements
that do (or do not) admit the caller's account, or the missing identity permission — and then says
where the caller can go instead, none of which leads on to the role.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rolescope.trust.access import TrustWay, can_assume, locate
from rolescope.trust.graph_json import describe
from rolescope.trust.graph_model import ASSUMPTIONS, EdgeKind, GraphEdge, GraphNode, GroupScope, NodeKind, TrustGraph
from rolescope.wording import count, listed

_SHOWN = 5
# Conditions that tell an account's principals apart: a trust admitting the account may still leave one out.
_TELLING_APART = frozenset({"principal_arn", "principal_account", "principal_tag"})


def why_no_path(graph: TrustGraph, source: str, target: str,
                trusts: Mapping[str, Sequence[TrustWay]] | None = None) -> tuple[str, ...]:
    """The reasons, one sentence each, that no chain leads from ``source`` into the role ``target``.

    Args:
        graph: the trust graph.
        source: the principal (as for :func:`rolescope.trust.access.can_assume`).
        target: the role's ARN.
        trusts: the roles' trust paths (from the scan document): with them the trust side is read
            from the policy itself, including ways in the graph draws no edge for (an account none
            of whose principals may call ``sts:AssumeRole``).

    Returns:
        First why the direct hop fails, then what ``source`` reaches instead.

    Raises:
        UnknownNode: either end is not in the graph.
    """
    start, end = locate(graph, source), locate(graph, target, (NodeKind.ROLE,))
    caller, role = graph.nodes[start], graph.nodes[end]
    ways = trusts.get(role.id) if trusts is not None else None
    reasons = [_direct_hop(graph, caller, role, ways)]
    reached = can_assume(graph, source)
    if reached:
        names = [describe(a.role) for a in reached]
        reasons.append(f"no chain either: {describe(caller)} reaches {count(len(reached), 'role')} "
                       f"({listed(names, _SHOWN)}), none of which can reach {describe(role)}")
    else:
        reasons.append(f"no chain either: {describe(caller)} can assume no role at all")
    return tuple(reasons)


def _direct_hop(graph: TrustGraph, caller: GraphNode, role: GraphNode, ways: Sequence[TrustWay] | None) -> str:
    account = caller.account
    admitting = [w for w in ways if _admits(w, caller)] if ways is not None else None
    stand_ins = _stand_ins(graph, caller)
    edges_in = [e for e in graph.edges if e.target == graph.index[role.id] and e.kind in ASSUMPTIONS]
    group_in = [e for e in edges_in if e.source in stand_ins]
    if admitting is None:
        if not group_in and not any(graph.nodes[e.source].account == account for e in edges_in):
            return (f"no way into {describe(role)} admits {describe(caller)} or account {account}: the trust graph "
                    f"shows only {_sources(graph, edges_in)}")
    elif not admitting:
        return (f"no statement of {describe(role)}'s trust policy admits {describe(caller)} or account {account}; "
                f"it admits {_listed_ways(ways or ())}")
    admitted = _listed_ways(admitting) if admitting else "the account"
    member = _group_of(graph, caller)
    telling = admitting is not None and any(set(w.requires) & _TELLING_APART for w in admitting)
    if member is not None and member.scope is GroupScope.ANY and (telling or not group_in):
        return (f"{describe(role)}'s trust admits account {account} ({admitted}) and {describe(caller)} may call "
                f"sts:AssumeRole on any role, but the trust's conditions do not admit {describe(caller)}")
    # a trust naming the caller lets it in from its own account; from another, its policies must allow the call
    whom = f"names {describe(caller)}" if any(caller.id in w.principals for w in admitting or ()) \
        else f"admits account {account}"
    return (f"{describe(role)}'s trust {whom} ({admitted}), but no identity policy of "
            f"{describe(caller)} allows sts:AssumeRole on {role.id}" + _allowed_on(graph, caller, member))


def _admits(way: TrustWay, caller: GraphNode) -> bool:
    """Whether a way's principals name the caller, its account, or anybody (before conditions)."""
    if way.scope in ("service", "federated"):
        return False
    account = caller.account or ""
    for principal in way.principals:
        parts = principal.split(":", 5)
        if principal in ("*", caller.id, account) or (len(parts) == 6 and parts[4] == account and parts[5] == "root"):
            return True
    return False


def _stand_ins(graph: TrustGraph, caller: GraphNode) -> set[int]:
    """The caller, and the nodes that stand for it without an assumption (its groups, its organisation)."""
    start = graph.index[caller.id]
    found, pending = {start}, [start]
    while pending:
        for e in graph.out_edges(pending.pop()):
            edge = graph.edges[e]
            if edge.kind in (EdgeKind.MEMBER, EdgeKind.MEMBER_ACCOUNT) and edge.target not in found:
                found.add(edge.target)
                pending.append(edge.target)
    return found


def _group_of(graph: TrustGraph, caller: GraphNode) -> GraphNode | None:
    for e in graph.out_edges(graph.index[caller.id]):
        edge = graph.edges[e]
        if edge.kind is EdgeKind.MEMBER:
            return graph.nodes[edge.target]
    return None


def _allowed_on(graph: TrustGraph, caller: GraphNode, member: GraphNode | None) -> str:
    if member is not None and member.scope is GroupScope.OWN_ACCOUNT:
        return f" (its policies allow it on the roles of its own account {caller.account} only)"
    grants = [describe(graph.nodes[graph.edges[e].target]) for e in graph.out_edges(graph.index[caller.id])
              if graph.edges[e].kind in ASSUMPTIONS]
    if grants:
        return f" (it may assume {listed(grants, _SHOWN)})"
    return " (it may call sts:AssumeRole on no role that trusts it)"


def _listed_ways(ways: Sequence[TrustWay]) -> str:
    shown = [f"Statement[{w.statement}]" + (f" {w.sid}" if w.sid else "") + f": {', '.join(w.principals)}"
             + (f" requiring {', '.join(w.requires)}" if w.requires else "") for w in ways]
    return listed(shown, _SHOWN) if shown else "nobody"


def _sources(graph: TrustGraph, edges: Sequence[GraphEdge]) -> str:
    names = sorted({describe(graph.nodes[e.source]) for e in edges})
    return listed(names, _SHOWN) if names else "no way in"
