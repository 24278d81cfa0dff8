"""Access questions asked of the trust graph: who can end up in a role, which roles a principal can
reach, and the shortest chain between two of them.

This is the stable library API behind ``rolescope who-can-assume``, ``can-assume`` and ``path`` (and
what ``rolescope profiles --from-scan`` builds on)::

    from rolescope.trust.access import can_assume, locate, shortest_path, who_can_assume

    for access in can_assume(graph, "arn:aws:iam::111122223333:user/alice", cross_account_only=True):
        access.role.id          # the role reached (a GraphNode)
        access.assumptions      # sts:AssumeRole calls on the shortest chain
        access.requires         # what some hop's request must carry: ("mfa", "external_id", ...)
        access.last.values      # the last hop's condition values, e.g. (("sts:externalid", ("ci-7Hq2",)),)
        [hop.explanation for hop in access.chain]

``graph`` is a :class:`~rolescope.trust.graph_model.TrustGraph`: from a scan with
``ScanSettings(keep_graph=True)``, or read back from a scan document's section
(:func:`rolescope.trust.graph_read.graph_from_section`). ``trusts`` (optional, every function) maps a
role ARN to its trust paths (:class:`TrustWay`, from the scan document): with it each hop also carries
the condition values its request must send (the ExternalId, the OIDC subject...).

Chains are shortest by the number of ``sts:AssumeRole`` calls (a 0-1 breadth-first search: standing
for a group, or a group for the organisation, costs nothing), ties broken by the graph's edge order,
so the same graph gives the same answers. Each query is one search, O(V + E).
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from rolescope.trust.analysis import REQUIREMENT_KEYS
from rolescope.trust.graph_json import explain
from rolescope.trust.graph_model import ASSUMPTIONS, EdgeKind, GraphEdge, GraphNode, NodeKind, TrustGraph

_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
_STANDS_FOR = frozenset({EdgeKind.MEMBER, EdgeKind.MEMBER_ACCOUNT})
_KIND_ORDER = {kind: i for i, kind in enumerate((NodeKind.USER, NodeKind.ROLE, NodeKind.GROUP, NodeKind.ORGANIZATION,
                                                 NodeKind.ACCOUNT, NodeKind.FEDERATED, NodeKind.SERVICE,
                                                 NodeKind.ANYONE, NodeKind.PRINCIPAL))}


class UnknownNode(LookupError):
    """An ARN (or node id) the graph does not hold; the message is one line.

    Attributes:
        ident: what was asked for.
        suggestions: the closest ids of the same kind, best first (may be empty).
        known: how many nodes of that kind the graph holds.
    """

    def __init__(self, ident: str, suggestions: Sequence[str], known: int, what: str) -> None:
        hint = f"did you mean {' or '.join(suggestions)}?" if suggestions else f"the graph holds {known:,} {what}"
        if ":user/" in ident and not suggestions:
            # users are nodes only when they may assume something or a trust names them
            hint += "; a user allowed sts:AssumeRole on no role, and named by no trust policy, is not in it"
        super().__init__(f"{ident}: not in the trust graph ({hint})")
        self.ident = ident
        self.suggestions = tuple(suggestions)
        self.known = known


@dataclass(frozen=True, slots=True)
class TrustWay:
    """One way into a role as its trust analysis describes it (a ``paths`` entry of the scan document).

    Attributes:
        statement: the admitting statement's index.
        sid: its Sid.
        scope: ``cross-account``, ``same-account``, ``service`` or ``federated``.
        principals: the policy principals it admits.
        requires: what every request on it must carry.
        context: the condition values of an allowed example request, by lower-cased key.
    """

    statement: int
    sid: str | None
    scope: str
    principals: tuple[str, ...]
    requires: tuple[str, ...]
    context: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Hop:
    """One edge of a chain.

    Attributes:
        source: who acts (or stands for another).
        target: who is assumed (or stood for).
        edge: the graph's edge (its ``kind``, ``way`` and ``via``).
        values: for an assumption, the condition values its request must carry, when the role's trust
            paths were given: ``(key, values)`` pairs, e.g. ``("sts:externalid", ("ci-7Hq2",))``.
        explanation: the hop in words.
    """

    source: GraphNode
    target: GraphNode
    edge: GraphEdge
    values: tuple[tuple[str, tuple[str, ...]], ...]
    explanation: str

    @property
    def assumption(self) -> bool:
        """Whether this hop is an ``sts:AssumeRole`` call (not a principal standing for its group)."""
        return self.edge.kind in ASSUMPTIONS

    @property
    def requires(self) -> tuple[str, ...]:
        """What this hop's request must carry (``mfa``, ``external_id``, ``source_account``...)."""
        return self.edge.way.requires if self.edge.way is not None else ()


@dataclass(frozen=True, slots=True)
class Access:
    """A principal that can end up in a role, with the shortest chain that gets it there.

    Attributes:
        principal: where the chain starts (a user, role, group, organisation, outside account, identity
            provider, service or anyone).
        role: the role it ends in.
        chain: the hops, in order (empty only when ``principal`` is ``role``).
    """

    principal: GraphNode
    role: GraphNode
    chain: tuple[Hop, ...]

    @property
    def assumptions(self) -> int:
        """How many ``sts:AssumeRole`` calls the chain makes."""
        return sum(1 for hop in self.chain if hop.assumption)

    @property
    def requires(self) -> tuple[str, ...]:
        """Everything some hop's request must carry, in chain order, once each."""
        return tuple(dict.fromkeys(r for hop in self.chain for r in hop.requires))

    @property
    def cross_account(self) -> bool:
        """Whether the chain starts outside the role's account (or at no account: anyone, a provider...)."""
        return self.principal.account != self.role.account

    @property
    def last(self) -> Hop:
        """The hop into the role (``IndexError`` for an empty chain)."""
        return self.chain[-1]


def locate(graph: TrustGraph, ident: str, kinds: Iterable[NodeKind] | None = None) -> int:
    """The index of the node ``ident`` (an ARN, ``group:<account>``, ``account:<id>``, ``anyone``...).

    Args:
        graph: the trust graph.
        ident: the node's id; an assumed-role session ARN stands for its role.
        kinds: the kinds it must be (any when ``None``).

    Raises:
        UnknownNode: no such node of those kinds; the message suggests the closest ids.
    """
    wanted = frozenset(kinds) if kinds is not None else None
    found = graph.index.get(_role_of_session(ident))
    if found is not None and (wanted is None or graph.nodes[found].kind in wanted):
        return found
    candidates = [n.id for n in graph.nodes if wanted is None or n.kind in wanted]
    what = " or ".join(sorted(k.value + "s" for k in wanted)) if wanted else "nodes"
    # Suggestions from the same account when it has any: fewer to compare, and the likelier typo.
    parts = ident.split(":", 5)
    mates = [c for c in candidates if len(parts) == 6 and c.split(":", 5)[4:5] == [parts[4]]]
    raise UnknownNode(ident, _nearest(ident, mates or candidates), len(candidates), what)


def _nearest(ident: str, candidates: list[str]) -> list[str]:
    """The ids close to ``ident`` whose names are close too (ARNs share long prefixes: ``role/ci`` is no
    suggestion for ``role/Vaultx`` however alike the accounts look)."""
    name = ident.rsplit("/", 1)[-1]
    close = difflib.get_close_matches(ident, candidates, n=6, cutoff=0.75)
    return [c for c in close if difflib.SequenceMatcher(None, name, c.rsplit("/", 1)[-1]).ratio() >= 0.6][:3]


def who_can_assume(graph: TrustGraph, role: str, *, direct: bool = False, expand: bool = False,
                   trusts: Mapping[str, Sequence[TrustWay]] | None = None) -> tuple[Access, ...]:
    """Every node that can end up in ``role``, each with its shortest chain.

    Args:
        graph: the trust graph.
        role: the role's ARN.
        direct: only those that get in with one ``sts:AssumeRole`` call.
        expand: also list each member of a principal group (and each member account's group of an
            organisation) that gets in only as a member; without it the group stands for them.
        trusts: the roles' trust paths, for the condition values of each hop.

    Returns:
        The answers, fewest assumptions first, then users, roles, groups, ... by id.

    Raises:
        UnknownNode: ``role`` is not a role of the graph.
    """
    target = locate(graph, role, (NodeKind.ROLE,))
    reverse: list[list[int]] = [[] for _ in graph.nodes]
    for e, edge in enumerate(graph.edges):
        reverse[edge.target].append(e)
    steps = _search(graph, [target], reverse.__getitem__, lambda edge: edge.source)
    found = []
    for v, (assumptions, _) in steps.items():
        if v == target or (direct and assumptions != 1):
            continue
        chain = _follow(graph, steps, v, lambda edge: edge.target)
        if not expand and chain[0].kind in _STANDS_FOR:
            continue  # a group member that gets in only as a member: its group is listed
        found.append(_access(graph, v, target, chain, trusts))
    return tuple(sorted(found, key=_order))


def can_assume(graph: TrustGraph, principal: str, *, cross_account_only: bool = False,
               trusts: Mapping[str, Sequence[TrustWay]] | None = None) -> tuple[Access, ...]:
    """Every role ``principal`` can end up in, directly or through a chain, each with its shortest chain.

    Args:
        graph: the trust graph.
        principal: a user's or role's ARN (an assumed-role session ARN stands for its role), or any
            node id (``account:<id>``, ``anyone``...).
        cross_account_only: only roles of accounts other than the principal's.
        trusts: the roles' trust paths, for the condition values of each hop.

    Returns:
        The roles reached, fewest assumptions first, then by ARN.

    Raises:
        UnknownNode: ``principal`` is not in the graph (a user that may call ``sts:AssumeRole`` on no
            role, and that no trust policy names, is not).
    """
    source = locate(graph, principal)
    steps = _forward(graph, source)
    start = graph.nodes[source]
    found = []
    for v in steps:
        node = graph.nodes[v]
        if v == source or node.kind is not NodeKind.ROLE or (cross_account_only and node.account == start.account):
            continue
        chain = list(reversed(_follow(graph, steps, v, lambda edge: edge.source)))
        found.append(_access(graph, source, v, chain, trusts))
    return tuple(sorted(found, key=lambda a: (a.assumptions, a.role.id)))


def shortest_path(graph: TrustGraph, source: str, target: str,
                  trusts: Mapping[str, Sequence[TrustWay]] | None = None) -> Access | None:
    """The shortest chain from ``source`` into the role ``target``, or ``None`` when there is none
    (:func:`rolescope.trust.access_why.why_no_path` says why).

    Raises:
        UnknownNode: either end is not in the graph (``target`` must be a role).
    """
    start = locate(graph, source)
    end = locate(graph, target, (NodeKind.ROLE,))
    if end == start:
        return Access(graph.nodes[start], graph.nodes[end], ())  # a role is already itself
    steps = _forward(graph, start)
    if end not in steps:
        return None
    chain = list(reversed(_follow(graph, steps, end, lambda edge: edge.source)))
    return _access(graph, start, end, chain, trusts)


def trust_ways(paths: Iterable[Mapping[str, object]]) -> tuple[TrustWay, ...]:
    """The :class:`TrustWay` of each well-formed ``paths`` entry of a scan document's trust (others skipped:
    the document is untrusted input, and a way it garbles only loses its values)."""
    found = []
    for path in paths:
        statement, requires, principals = path.get("statement"), path.get("requires"), path.get("principals")
        if type(statement) is not int or not _texts(requires) or not _texts(principals):
            continue
        sid, scope = path.get("sid"), path.get("scope")
        example = path.get("example")
        context = example.get("context") if isinstance(example, Mapping) else None
        values = {str(k).lower(): tuple(v) for k, v in context.items() if _texts(v)} if isinstance(context, Mapping) \
            else {}
        found.append(TrustWay(statement, sid if isinstance(sid, str) else None, str(scope), tuple(principals),
                              tuple(requires), values))
    return tuple(found)


def _texts(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _role_of_session(ident: str) -> str:
    parts = ident.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{parts[5].split('/')[1]}"
    return ident


_Steps = dict[int, tuple[int, int]]  # node -> (assumptions to or from the start, the edge taken; -1 at the start)


def _search(graph: TrustGraph, starts: Sequence[int], edges_of: Callable[[int], list[int]],
            other_end: Callable[[GraphEdge], int]) -> _Steps:
    """0-1 breadth-first search from ``starts``: an assumption edge costs one, standing for a group nothing."""
    steps: _Steps = dict.fromkeys(starts, (0, -1))
    queue = deque(starts)
    done = set()
    while queue:
        v = queue.popleft()
        if v in done:
            continue
        done.add(v)
        cost = steps[v][0]
        for e in edges_of(v):
            edge = graph.edges[e]
            w = other_end(edge)
            weight = 1 if edge.kind in ASSUMPTIONS else 0
            known = steps.get(w)
            if known is None or cost + weight < known[0]:
                steps[w] = (cost + weight, e)
                if weight:
                    queue.append(w)
                else:
                    queue.appendleft(w)
    return steps


def _forward(graph: TrustGraph, start: int) -> _Steps:
    """Where ``start`` can go: "anyone" includes it, so a role trusting anyone is one assumption away."""
    anyone = graph.index.get("anyone")
    seeds = [start] if anyone is None or anyone == start else [start, anyone]
    return _search(graph, seeds, graph.out_edges, lambda edge: edge.target)


def _follow(graph: TrustGraph, steps: _Steps, node: int, toward: Callable[[GraphEdge], int]) -> list[GraphEdge]:
    """The edges recorded from ``node`` back to the search's start."""
    chain = []
    while steps[node][1] >= 0:
        edge = graph.edges[steps[node][1]]
        chain.append(edge)
        node = toward(edge)
    return chain


def _access(graph: TrustGraph, source: int, target: int, chain: Sequence[GraphEdge],
            trusts: Mapping[str, Sequence[TrustWay]] | None) -> Access:
    hops = tuple(Hop(graph.nodes[e.source], graph.nodes[e.target], e, _values(graph, e, trusts), explain(graph, e))
                 for e in chain)
    return Access(graph.nodes[source], graph.nodes[target], hops)


def _values(graph: TrustGraph, edge: GraphEdge, trusts: Mapping[str, Sequence[TrustWay]] | None
            ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The condition values an assumption's request must carry, from the role's matching trust path."""
    way = edge.way
    if trusts is None or way is None or not way.requires:
        return ()
    ways = trusts.get(graph.nodes[edge.target].id, ())
    match = next((w for w in ways if w.statement == way.statement and w.scope == way.scope
                  and (edge.via is None or edge.via in w.principals)), None)
    if match is None:
        match = next((w for w in ways if w.statement == way.statement), None)
    if match is None:
        return ()
    keys = [key for requirement in way.requires for key in requirement_keys(requirement, match.context)]
    return tuple((key, match.context[key]) for key in dict.fromkeys(keys) if key in match.context)


def requirement_keys(requirement: str, context: Iterable[str]) -> tuple[str, ...]:
    """The condition keys that carry ``requirement`` (``mfa``, ``external_id``, ``oidc_sub``...), among
    the keys of ``context`` for an identity provider's claims."""
    if requirement == "mfa":
        return _MFA_KEYS
    known = REQUIREMENT_KEYS.get(requirement)
    if known is not None:
        return known
    if requirement.startswith("oidc_"):
        claim = ":" + requirement.removeprefix("oidc_")
        return tuple(k for k in context if k.endswith(claim) and not k.startswith(("aws:", "sts:", "saml:")))
    return (requirement,) if ":" in requirement else ()


def _order(access: Access) -> tuple[int, int, str]:
    return access.assumptions, _KIND_ORDER.get(access.principal.kind, len(_KIND_ORDER)), access.principal.id
