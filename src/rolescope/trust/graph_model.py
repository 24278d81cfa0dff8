"""The trust graph's typed pieces: nodes, edges, and the graph that holds them by integer index.

An edge ``a -> b`` says "a can act as or become b": a principal assumes a role (kinds ``trust``,
``grant``, ``admitted``), a principal belongs to its account's group of principals that may assume
any role (``member``), a group's principals are principals of the organisation (``member-account``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rolescope.records import quick_init

GRAPH_SCHEMA = "rolescope.graph/v2"


class NodeKind(StrEnum):
    """What a node stands for."""

    ROLE = "role"
    USER = "user"
    GROUP = "group"  # a scanned account's principals that may assume any role trusting the account
    ORGANIZATION = "organization"  # every principal of the organisation's member accounts
    ACCOUNT = "account"  # an account outside the scan: it stands for all of its principals
    SERVICE = "service"
    FEDERATED = "federated"  # a SAML or OIDC provider, or a public identity provider
    ANYONE = "anyone"
    PRINCIPAL = "principal"  # anything else a policy names (a deleted principal's unique id...)


class EdgeKind(StrEnum):
    """Why an edge is there."""

    TRUST = "trust"  # the role's trust policy admits the source (a principal it names, an account's group...)
    GRANT = "grant"  # the source's identity policy names the role, and the role trusts the source's account
    ADMITTED = "admitted"  # a group member the trust admits one by one (it tells the account's principals apart)
    MEMBER = "member"  # a principal belongs to its account's group
    MEMBER_ACCOUNT = "member-account"  # a member account's group feeds the organisation


# Edges that are one sts:AssumeRole call (the others only say who stands for whom).
ASSUMPTIONS = frozenset({EdgeKind.TRUST, EdgeKind.GRANT, EdgeKind.ADMITTED})


class GroupScope(StrEnum):
    """Which roles a group's members may assume (when the role trusts their account)."""

    ANY = "any"  # any role in any account
    OWN_ACCOUNT = "own-account"  # any role of their own account (``arn:aws:iam::<own>:role/*``)


@quick_init
@dataclass(frozen=True, slots=True)
class Way:
    """How a trust policy lets a caller in: the admitting statement and what the request must carry."""

    statement: int
    sid: str | None
    scope: str
    requires: tuple[str, ...]
    # the RCP statement (``rcp:<policy id>:<index>``) the way in exists only by an exception of
    rcp_exception: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class GraphNode:
    """One node.

    Attributes:
        id: stable identifier (an ARN, ``group:<account>``, ``organization:<id>``, ``account:<id>``...).
        kind: what it stands for.
        label: a short name for people.
        account: the account it belongs to, when it has one.
        roles: for a group, how many roles are members.
        users: for a group, how many users are members.
        scope: for a group, which roles its members may assume.
    """

    id: str
    kind: NodeKind
    label: str
    account: str | None = None
    roles: int = 0
    users: int = 0
    scope: GroupScope | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class GraphEdge:
    """One edge between node indexes; ``way`` and ``via`` are set on assumption edges.

    Attributes:
        source: index of the node that may assume (or stands for another).
        target: index of the node assumed (or stood for).
        kind: why the edge is there.
        way: the admitting statement and what the request must carry.
        via: the policy principal that lets the source in (``arn:aws:iam::<id>:root``, ``*``...).
    """

    source: int
    target: int
    kind: EdgeKind
    way: Way | None = None
    via: str | None = None


class TrustGraph:
    """Nodes and edges by index, with their out-adjacency; built by :func:`rolescope.trust.graph.build_graph`.

    ``counters`` counts the work done building it (nodes, edges, principals expanded one by one,
    explicit grants tried): tests bound its growth, nothing times it. ``scp_cuts`` counts the edges
    SCPs cut by reason (``counters.cut_by_scp`` is their total).
    """

    def __init__(self) -> None:
        self.nodes: list[GraphNode] = []
        self.edges: list[GraphEdge] = []
        self.index: dict[str, int] = {}
        self.counters: Counter[str] = Counter()
        self.scp_cuts: Counter[str] = Counter()  # why SCPs cut edges -> how many they cut so
        self._out: list[list[int]] = []

    def add_node(self, node: GraphNode) -> int:
        """Add ``node`` unless a node with its id is there; returns the index of the node with that id."""
        found = self.index.get(node.id)
        if found is not None:
            return found
        found = self.index[node.id] = len(self.nodes)
        self.nodes.append(node)
        self._out.append([])
        return found

    def add_nodes(self, nodes: list[GraphNode]) -> None:
        """Add each of ``nodes`` as :meth:`add_node` does, in bulk when their ids are new and distinct
        (a scan's roles: a hundred thousand, each a Python-level call otherwise)."""
        start = len(self.nodes)
        fresh = {node.id: start + i for i, node in enumerate(nodes)}
        if len(fresh) != len(nodes) or not self.index.keys().isdisjoint(fresh):
            for node in nodes:
                self.add_node(node)
            return
        self.index.update(fresh)
        self.nodes += nodes
        self._out += [[] for _ in nodes]

    def add_edge(self, edge: GraphEdge) -> None:
        """Add ``edge`` (the builder makes each edge once)."""
        self._out[edge.source].append(len(self.edges))
        self.edges.append(edge)

    def out_edges(self, node: int) -> list[int]:
        """Indexes of the edges leaving ``node``."""
        return self._out[node]

    def node(self, ident: str) -> GraphNode:
        """The node with id ``ident`` (``KeyError`` when there is none)."""
        return self.nodes[self.index[ident]]

    def __contains__(self, ident: object) -> bool:
        return ident in self.index

    def as_json(self) -> dict[str, Any]:
        """The ``graph`` section of the scan document (``rolescope.graph/v2``), reachability included."""
        # graph_json and reachability build on this module: imported when a graph is written.
        from rolescope.trust.graph_json import graph_json

        return graph_json(self)


_CONFINING = frozenset({"org", "principal_account", "principal_arn"})
_GUARDS = frozenset({"mfa", "external_id", "mfa_or_external_id"})


def edge_class(kind: str, scope: str | None, requires: Iterable[str], via: str | None) -> str:
    """How an edge is coloured: ``public`` (anyone), ``unguarded``/``guarded`` (cross-account, without or
    with MFA or an ExternalId), ``internal`` (same account, services, providers, group membership)."""
    if kind in (EdgeKind.MEMBER, EdgeKind.MEMBER_ACCOUNT):
        return "internal"
    needed = set(requires)
    if via == "*" and not needed & _CONFINING:
        return "public"
    if scope == "cross-account":
        return "guarded" if needed & _GUARDS else "unguarded"
    return "internal"
