"""Who from outside can reach each role through chains of assumptions, in time linear in the graph.

**Origins.** A chain starts at an *origin*: a principal of some account (an origin is named by its
account: ``account:<id>``, for scanned principals and accounts outside the scan alike), the
organisation node (it stands for its members' principals, scanned or not), an identity provider, or
"anyone". Groups are not origins (their members are) and neither are AWS services (they act for
whoever configured them). An origin *outside* a role is any origin but the role's own account: a
chain that leaves the account and comes back still counts, through the account it went by.

**What is found, per role.** Every outside origin that reaches it (``origins``); those that reach it
*only* through chains of two or more assumptions (``indirect``: no trust policy lets them in
directly, yet they get in); and one shortest example chain of two or more assumptions from outside.

**How.** The graph is condensed into strongly connected components (iterative Tarjan); each
component's set of origins (a Python int used as a bitset) is pushed along the edges in topological
order, so every role learns every origin that reaches it in O(V + E) set unions. The origins that
reach a role in one assumption are the union, over the edges into it, of what stands behind each
source without an assumption (a group's account, the organisation's members). The example chains
come from one breadth-first search from all origins at once over (node, assumptions so far: 0, 1,
2 or more), in which each state keeps the nearest two *distinct* origins: for a role, the nearer of
the two that is not its own account is the nearest outside origin. Each state is entered at most
twice: O(V + E).

A strongly connected component holding several roles or users is reported: each of them can become
any other, a standing path for whoever holds one.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from dataclasses import dataclass, field

from rolescope.trust.graph_model import ASSUMPTIONS, EdgeKind, GraphNode, NodeKind, TrustGraph

_PRINCIPALS = frozenset({NodeKind.ROLE, NodeKind.USER})
_LAYERS = 3  # assumptions made so far: 0, 1, 2 or more


@dataclass(frozen=True, slots=True)
class RoleReach:
    """Who from outside reaches one role.

    Attributes:
        origins: the outside origins, as a bitset over :attr:`Reachability.origins`.
        indirect: those of them that reach it only through chains of two or more assumptions.
        chained: whether some outside origin reaches it through two or more assumptions
            (:meth:`Reachability.chain` gives the shortest such chain).
    """

    origins: int
    indirect: int
    chained: bool


@dataclass(frozen=True, slots=True)
class Component:
    """A strongly connected component holding several roles or users: each can become any other.

    Attributes:
        principals: the roles and users in it, by node index, sorted by id.
        accounts: the accounts they belong to, sorted.
    """

    principals: tuple[int, ...]
    accounts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reachability:
    """What :func:`reachability` found.

    Attributes:
        origins: the origin keys, by bit.
        roles: for each role some outside origin reaches (by node index), who and how.
        components: the strongly connected components of several principals, largest first.
        counters: the work done (nodes and edges visited by each pass).
    """

    origins: tuple[str, ...]
    roles: dict[int, RoleReach]
    components: tuple[Component, ...]
    counters: Counter[str]
    labels: _Labels = field(repr=False, compare=False)

    def chain(self, role: int) -> tuple[int, ...]:
        """The edges of the shortest chain of two or more assumptions to ``role`` from an outside origin,
        from the origin on (empty when there is none). Its cost is its length: ask only for the
        chains shown."""
        found = self.roles.get(role)
        if found is None or not found.chained:
            return ()
        return self.labels.chain(role, found.origins)

    def origin_names(self, bits: int) -> list[str]:
        """The origin keys of a bitset, in bit order."""
        return [name for bit, name in enumerate(self.origins) if bits >> bit & 1]


def origin_of(node: GraphNode) -> str | None:
    """The origin a node stands for, or ``None`` for groups and services (see the module docs)."""
    if node.kind in (NodeKind.GROUP, NodeKind.SERVICE):
        return None
    if node.kind in (NodeKind.FEDERATED, NodeKind.ANYONE, NodeKind.ORGANIZATION):
        return node.id
    return f"account:{node.account}" if node.account else node.id


def reachability(graph: TrustGraph) -> Reachability:
    """Condense the graph, push origin sets along it, and find one shortest outside chain per role.

    Args:
        graph: the trust graph.

    Returns:
        Who reaches each role from outside (directly or only through chains), one shortest chain of
        two or more assumptions each, and the components of several principals. Work is O(V + E)
        set unions; ``counters`` counts it.
    """
    counters: Counter[str] = Counter()
    size = len(graph.nodes)
    targets = [[graph.edges[e].target for e in graph.out_edges(v)] for v in range(size)]
    names: dict[str, int] = {}
    origin = [-1] * size  # origin index of each node that starts chains (it has somewhere to go)
    for v, node in enumerate(graph.nodes):
        key = origin_of(node)
        if key is not None and targets[v]:
            origin[v] = names.setdefault(key, len(names))
    component, count = _components(targets, counters)
    bits = _origin_sets(targets, origin, component, count, counters)
    direct = _direct_origins(graph, origin, counters)
    labels = _nearest_origins(graph, origin, counters)
    roles: dict[int, RoleReach] = {}
    for v, node in enumerate(graph.nodes):
        if node.kind is not NodeKind.ROLE:
            continue
        outside = bits[component[v]]
        mine = names.get(f"account:{node.account}")
        if mine is not None and outside >> mine & 1:
            outside ^= 1 << mine
        if outside:
            indirect = outside & ~direct.get(v, 0)
            roles[v] = RoleReach(outside, indirect, labels.outside_slot(v, outside) is not None)
    return Reachability(tuple(names), roles, _principal_components(graph, component, count), counters, labels)


def _components(targets: list[list[int]], counters: Counter[str]) -> tuple[list[int], int]:
    """Tarjan's strongly connected components, without recursion. Components are numbered in
    reverse topological order: every edge between two of them goes from a higher number to a lower."""
    size = len(targets)
    index = [-1] * size
    low = [0] * size
    on_stack = [False] * size
    component = [-1] * size
    stack: list[int] = []
    count = clock = 0
    for root in range(size):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work[-1]
            if i == 0 and index[v] == -1:
                index[v] = low[v] = clock
                clock += 1
                stack.append(v)
                on_stack[v] = True
                counters["scc_nodes_visited"] += 1
            out = targets[v]
            descended = False
            while i < len(out):
                w = out[i]
                i += 1
                counters["scc_edges_visited"] += 1
                if index[w] == -1:
                    work[-1] = (v, i)
                    work.append((w, 0))
                    descended = True
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            if descended:
                continue
            work.pop()
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component[w] = count
                    if w == v:
                        break
                count += 1
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return component, count


def _origin_sets(targets: list[list[int]], origin: list[int], component: list[int], count: int,
                 counters: Counter[str]) -> list[int]:
    """Each component's origins: its own, and those of every component with an edge into it."""
    bits = [0] * count
    members: list[list[int]] = [[] for _ in range(count)]
    for v, c in enumerate(component):
        members[c].append(v)
        if origin[v] >= 0:
            bits[c] |= 1 << origin[v]
    for c in range(count - 1, -1, -1):  # topological order
        mine = bits[c]
        if not mine:
            continue
        for v in members[c]:
            for w in targets[v]:
                counters["propagation_edges"] += 1
                d = component[w]
                if d != c:
                    # share one int while nothing is added (most roles are reached by one set)
                    bits[d] = mine if not bits[d] else bits[d] | mine
    return bits


def _direct_origins(graph: TrustGraph, origin: list[int], counters: Counter[str]) -> dict[int, int]:
    """For each role, the origins that reach it in one assumption: what stands behind the source of
    each edge into it without an assumption (a principal's account; a group's members' account; the
    organisation and its member accounts' groups)."""
    behind = [0 if o < 0 else 1 << o for o in origin]
    # Edges that are not assumptions only go principal -> group -> organisation: two passes settle them.
    for kind in (EdgeKind.MEMBER, EdgeKind.MEMBER_ACCOUNT):
        for edge in graph.edges:
            if edge.kind is kind:
                counters["direct_edges_visited"] += 1
                behind[edge.target] |= behind[edge.source]
    direct: dict[int, int] = {}
    for edge in graph.edges:
        if edge.kind in ASSUMPTIONS and behind[edge.source]:
            counters["direct_edges_visited"] += 1
            direct[edge.target] = direct.get(edge.target, 0) | behind[edge.source]
    return direct


class _Labels:
    """For each (node, layer) state, the nearest two distinct origins and how each got there.

    A state is ``node * 3 + layer``, the layer the number of assumptions so far (2: two or more).
    ``came`` holds, per label, the previous state's label as ``state * 2 + slot`` (-1 at an origin).
    """

    def __init__(self, size: int, previous: list[int]) -> None:
        states = size * _LAYERS
        self.previous = previous  # each edge's source
        self.origin = (array("i", [-1]) * states, array("i", [-1]) * states)
        self.edge = (array("i", [-1]) * states, array("i", [-1]) * states)
        self.came = (array("q", [-1]) * states, array("q", [-1]) * states)

    def outside_slot(self, node: int, outside: int) -> int | None:
        """The slot of ``node``'s nearest origin among the bitset ``outside`` after two or more
        assumptions, or ``None``."""
        state = node * _LAYERS + 2
        for slot in (0, 1):
            found = self.origin[slot][state]
            if found >= 0 and outside >> found & 1:
                return slot
        return None

    def chain(self, node: int, outside: int) -> tuple[int, ...]:
        """The edges of the shortest chain of two or more assumptions to ``node`` from an origin in
        the bitset ``outside``."""
        slot = self.outside_slot(node, outside)
        if slot is None:
            return ()
        edges = []
        label = (node * _LAYERS + 2) * 2 + slot
        while label >= 0:
            state, slot = divmod(label, 2)
            edge = self.edge[slot][state]
            if edge < 0:
                break
            edges.append(edge)
            label = self.came[slot][state]
        return tuple(reversed(edges))


def _nearest_origins(graph: TrustGraph, origin: list[int], counters: Counter[str]) -> _Labels:
    """Breadth-first from every origin at once over (node, layer) states; a state takes at most two
    labels, of distinct origins. The first two distinct origins to reach a state are its two
    nearest: each state is entered at most twice, so the search is O(V + E)."""
    size = len(graph.nodes)
    labels = _Labels(size, [e.source for e in graph.edges])
    assumption = [e.kind in ASSUMPTIONS for e in graph.edges]
    first, second = labels.origin
    queue: deque[int] = deque()  # labels: state * 2 + slot
    for v in range(size):
        if origin[v] >= 0:
            first[v * _LAYERS] = origin[v]
            queue.append(v * _LAYERS * 2)
    while queue:
        label = queue.popleft()
        state, slot = divmod(label, 2)
        v, layer = divmod(state, _LAYERS)
        source = labels.origin[slot][state]
        counters["bfs_labels"] += 1
        for e in graph.out_edges(v):
            counters["bfs_edges_visited"] += 1
            nxt = graph.edges[e].target * _LAYERS + min(layer + assumption[e], 2)
            if first[nxt] == -1:
                taken = 0
            elif first[nxt] != source and second[nxt] == -1:
                taken = 1
            else:
                continue
            labels.origin[taken][nxt] = source
            labels.edge[taken][nxt] = e
            labels.came[taken][nxt] = label
            queue.append(nxt * 2 + taken)
    return labels


def _principal_components(graph: TrustGraph, component: list[int], count: int) -> tuple[Component, ...]:
    principals: list[list[int]] = [[] for _ in range(count)]
    for v, node in enumerate(graph.nodes):
        if node.kind in _PRINCIPALS:
            principals[component[v]].append(v)
    found = []
    for members in principals:
        if len(members) >= 2:
            members.sort(key=lambda v: graph.nodes[v].id)
            accounts = sorted({graph.nodes[v].account or "" for v in members} - {""})
            found.append(Component(tuple(members), tuple(accounts)))
    found.sort(key=lambda c: (-len(c.principals), graph.nodes[c.principals[0]].id))
    return tuple(found)
