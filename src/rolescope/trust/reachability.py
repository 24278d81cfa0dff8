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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, islice
from operator import eq

from rolescope.records import quick_init
from rolescope.trust.graph_model import ASSUMPTIONS, EdgeKind, GraphEdge, GraphNode, NodeKind, TrustGraph

_PRINCIPALS = frozenset({NodeKind.ROLE, NodeKind.USER})
_LAYERS = 3  # assumptions made so far: 0, 1, 2 or more
# Python 3.11's EnumType defines __getattr__, which sends every look-up on an enum class
# (NodeKind.ROLE) down a slow path, a fifth of a microsecond here: the loops over every node compare
# kinds with these.
_ROLE, _GROUP, _SERVICE = NodeKind.ROLE, NodeKind.GROUP, NodeKind.SERVICE
_FEDERATED, _ANYONE, _ORGANIZATION = NodeKind.FEDERATED, NodeKind.ANYONE, NodeKind.ORGANIZATION
_MEMBER, _MEMBER_ACCOUNT = EdgeKind.MEMBER, EdgeKind.MEMBER_ACCOUNT


@quick_init  # one per role reached: tens of thousands
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

    def origin_names(self, bits: int, limit: int | None = None) -> list[str]:
        """The origin keys of a bitset, in name order (the first ``limit`` of them when given)."""
        return [self.origins[bit] for bit in set_bits(bits, limit)]


def set_bits(bits: int, limit: int | None = None) -> list[int]:
    """The positions of the set bits of ``bits``, lowest first (the first ``limit`` of them when given).

    One pass over the int's binary digits, in C: sets thousands of bits wide are read without a
    Python step per origin that is not in them.
    """
    digits = bin(bits)
    found: list[int] = []
    end = len(digits)
    while limit is None or len(found) < limit:
        index = digits.rfind("1", 2, end)
        if index < 0:
            break
        found.append(len(digits) - 1 - index)
        end = index
    return found


def origin_of(node: GraphNode) -> str | None:
    """The origin a node stands for, or ``None`` for groups and services (see the module docs)."""
    kind = node.kind
    if kind is _GROUP or kind is _SERVICE:
        return None
    if kind is _FEDERATED or kind is _ANYONE or kind is _ORGANIZATION:
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
    return _reachability(graph)


def _reachability(graph: TrustGraph) -> Reachability:
    counters: Counter[str] = Counter()
    size = len(graph.nodes)
    offsets, edge_ids, heads, sources = _adjacency(graph)
    keys: list[str | None] = [None] * size
    nodes = graph.nodes
    for v in sources:  # a node starts chains only if it has somewhere to go
        keys[v] = origin_of(nodes[v])
    # Bits in the order of the origins' names, so the lowest bits of a set are its first origins by
    # name: a report can list the first few of a large set without walking all of it.
    names = {key: bit for bit, key in enumerate(sorted({k for k in keys if k is not None}))}
    origin = [-1 if key is None else names[key] for key in keys]  # origin index of each node
    component, count = _components(offsets, heads, sources, counters)
    bits = _origin_sets(offsets, heads, sources, origin, component, count, counters)
    direct = _direct_origins(graph, origin, counters)
    labels = _nearest_origins(graph, offsets, edge_ids, heads, sources, origin, counters)
    roles: dict[int, RoleReach] = {}
    own: dict[str | None, int | None] = {}
    # Sets are ints as wide as there are origins (thousands of bits in a large organisation): roles
    # that end up with equal sets share one int instead of each holding its own.
    shared: dict[tuple[int, int, int | None], tuple[int, int]] = {}
    outside_slot = labels.outside_slot
    for v, node in enumerate(graph.nodes):
        if node.kind is not _ROLE:
            continue
        reaching = bits[component[v]]
        if not reaching:  # no origin reaches it (nor, then, directly): nothing to record
            continue
        account = node.account
        mine = own.get(account, -1)
        if mine == -1:
            mine = own[account] = names.get(f"account:{account}")
        key = (reaching, direct.get(v, 0), mine)
        found = shared.get(key)
        if found is None:
            outside = key[0]
            if mine is not None and outside >> mine & 1:
                outside ^= 1 << mine
            found = shared[key] = (outside, outside & ~key[1])
        outside, indirect = found
        if outside:
            roles[v] = RoleReach(outside, indirect, outside_slot(v, outside) is not None)
    return Reachability(tuple(names), roles, _principal_components(graph, component), counters, labels)


def _adjacency(graph: TrustGraph) -> tuple[array[int], array[int], array[int], list[int]]:
    """The out-edges as flat arrays: node ``v``'s edges are ``edge_ids[offsets[v]:offsets[v + 1]]``,
    and ``heads`` holds their targets, in the same order; and the nodes with out-edges, in index
    order (most roles have none: the passes that only follow edges skip them)."""
    # Arrays, not lists, though a list hands back the int it holds where an array makes one: the
    # passes jump about these, and compact arrays stay in the processor's caches (lists measured slower).
    out = [graph.out_edges(v) for v in range(len(graph.nodes))]
    offsets = array("q", [0])
    offsets.extend(accumulate(map(len, out)))
    edge_ids = array("i", chain.from_iterable(out))
    target = array("i", [e.target for e in graph.edges])
    heads = array("i", [target[e] for e in edge_ids])
    return offsets, edge_ids, heads, list(compress(range(len(out)), out))


def _components(offsets: array[int], heads: array[int], sources: list[int], counters: Counter[str]
                ) -> tuple[list[int], int]:
    """Tarjan's strongly connected components, without recursion. Components are numbered in
    reverse topological order: every edge between two of them goes from a higher number to a lower."""
    size = len(offsets) - 1
    # lists, not arrays, for what is written: see _Labels
    index = [-1] * size
    low = [0] * size
    on_stack = bytearray(size)
    component = [-1] * size
    # The nodes with nowhere to go (most roles) are components of their own, numbered first: every
    # edge into one comes from a higher number, and the search meets them finished (no visit each).
    dead_ends = bytearray([1]) * size
    for v in sources:
        dead_ends[v] = 0
    clock = 0
    for v in compress(range(size), dead_ends):
        index[v] = low[v] = component[v] = clock
        clock += 1
    count = clock
    stack: list[int] = []
    edges_visited = 0
    for root in sources:
        if index[root] != -1:
            continue
        work = [(root, offsets[root])]
        while work:
            v, i = work[-1]
            if index[v] == -1:
                index[v] = low[v] = clock
                clock += 1
                stack.append(v)
                on_stack[v] = 1
            end = offsets[v + 1]
            descended = False
            while i < end:
                w = heads[i]
                i += 1
                edges_visited += 1
                if index[w] == -1:
                    work[-1] = (v, i)
                    work.append((w, offsets[w]))
                    descended = True
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            if descended:
                continue
            work.pop()
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    component[w] = count
                    if w == v:
                        break
                count += 1
            if work:
                parent = work[-1][0]
                if low[v] < low[parent]:
                    low[parent] = low[v]
    counters["scc_nodes_visited"] += clock
    counters["scc_edges_visited"] += edges_visited
    return component, count


def _origin_sets(offsets: array[int], heads: array[int], sources: list[int], origin: list[int], component: list[int],
                 count: int, counters: Counter[str]) -> list[int]:
    """Each component's origins: its own, and those of every component with an edge into it."""
    bits = [0] * count
    for c, o in zip(component, origin, strict=True):
        if o >= 0:
            bits[c] |= 1 << o
    # The nodes with out-edges by component, highest first (a topological order); the sort, in C, is
    # stable, so each component's nodes stay in index order.
    order = sorted(sources, key=component.__getitem__, reverse=True)
    visited = 0
    for v in order:
        c = component[v]
        mine = bits[c]
        if not mine:
            continue
        for i in range(offsets[v], offsets[v + 1]):
            visited += 1
            d = component[heads[i]]
            if d != c:
                # share one int while nothing is added (most roles are reached by one set)
                bits[d] = mine if not bits[d] else bits[d] | mine
    counters["propagation_edges"] += visited
    return bits


def _direct_origins(graph: TrustGraph, origin: list[int], counters: Counter[str]) -> dict[int, int]:
    """For each role, the origins that reach it in one assumption: what stands behind the source of
    each edge into it without an assumption (a principal's account; a group's members' account; the
    organisation and its member accounts' groups)."""
    behind = [0 if o < 0 else 1 << o for o in origin]
    # Edges that are not assumptions only go principal -> group -> organisation: two passes settle
    # them, over the edges of each kind, picked out in one pass.
    members: list[GraphEdge] = []
    member_accounts: list[GraphEdge] = []
    assumptions: list[GraphEdge] = []
    for edge in graph.edges:
        kind = edge.kind
        if kind is _MEMBER:
            members.append(edge)
        elif kind is _MEMBER_ACCOUNT:
            member_accounts.append(edge)
        elif kind in ASSUMPTIONS:
            assumptions.append(edge)
    for edge in members:
        behind[edge.target] |= behind[edge.source]
    for edge in member_accounts:
        behind[edge.target] |= behind[edge.source]
    direct: dict[int, int] = {}
    for edge in assumptions:
        found = behind[edge.source]
        if found:
            direct[edge.target] = direct.get(edge.target, 0) | found
    counters["direct_edges_visited"] += 3 * len(graph.edges)
    return direct


class _Labels:
    """For each (node, layer) state, the nearest two distinct origins and how each got there.

    A state is ``node * 3 + layer``, the layer the number of assumptions so far (2: two or more).
    ``came`` holds, per label, the previous state's label as ``state * 2 + slot`` (-1 at an origin).
    """

    def __init__(self, size: int) -> None:
        # Lists, not arrays: each label taken stores three numbers, and an array's signed item is
        # stored through argument parsing (PyArg_Parse), several times the work of a list's store.
        states = size * _LAYERS
        self.origin: tuple[list[int], list[int]] = ([-1] * states, [-1] * states)
        self.edge: tuple[list[int], list[int]] = ([-1] * states, [-1] * states)
        self.came: tuple[list[int], list[int]] = ([-1] * states, [-1] * states)

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


def _nearest_origins(graph: TrustGraph, offsets: array[int], edge_ids: array[int], heads: array[int],
                     sources: list[int], origin: list[int], counters: Counter[str]) -> _Labels:
    """Breadth-first from every origin at once over (node, layer) states; a state takes at most two
    labels, of distinct origins. The first two distinct origins to reach a state are its two
    nearest: each state is entered at most twice, so the search is O(V + E)."""
    size = len(graph.nodes)
    labels = _Labels(size)
    assumption = bytes([e.kind in ASSUMPTIONS for e in graph.edges])
    steps = bytes([assumption[e] for e in edge_ids])  # by out-edge position: read without the edge's id
    first, second = labels.origin
    edge_of, came = labels.edge, labels.came
    # Every label taken that hands something on, in the order taken: read front to back while the
    # search appends to it, a first-in first-out queue that keeps what it has handed out.
    queue: list[int] = []  # labels: state * 2 + slot
    for v in sources:  # only they have origins
        if origin[v] >= 0:
            first[v * _LAYERS] = origin[v]
            queue.append(v * _LAYERS * 2)
    append = queue.append
    # A label at a node with nowhere to go (most roles) is taken but hands nothing on: it is counted,
    # not queued.
    dead_end = bytes(map(eq, offsets, islice(offsets, 1, None)))
    visited = dead_ends = 0
    for label in queue:
        state = label >> 1
        source = second[state] if label & 1 else first[state]
        v, layer = divmod(state, _LAYERS)
        for i in range(offsets[v], offsets[v + 1]):
            visited += 1
            step = layer + steps[i]
            head = heads[i]
            nxt = head * _LAYERS + (step if step < 2 else 2)
            found = first[nxt]
            if found == -1:
                taken = 0
                first[nxt] = source
            elif found != source and second[nxt] == -1:
                taken = 1
                second[nxt] = source
            else:
                continue
            edge_of[taken][nxt] = edge_ids[i]
            came[taken][nxt] = label
            if dead_end[head]:
                dead_ends += 1
            else:
                append(nxt * 2 + taken)
    counters["bfs_labels"] += len(queue) + dead_ends
    counters["bfs_edges_visited"] += visited
    return labels


def _principal_components(graph: TrustGraph, component: Sequence[int]) -> tuple[Component, ...]:
    principal = [node.kind in _PRINCIPALS for node in graph.nodes]
    # the principals' components, counted in C (compress and Counter), then only principals walked
    sizes = Counter(compress(component, principal))
    members: dict[int, list[int]] = {}
    for v in compress(range(len(principal)), principal):
        c = component[v]
        if sizes[c] >= 2:
            members.setdefault(c, []).append(v)
    found = []
    for group in members.values():
        group.sort(key=lambda v: graph.nodes[v].id)
        accounts = sorted({graph.nodes[v].account or "" for v in group} - {""})
        found.append(Component(tuple(group), tuple(accounts)))
    found.sort(key=lambda c: (-len(c.principals), graph.nodes[c.principals[0]].id))
    return tuple(found)
