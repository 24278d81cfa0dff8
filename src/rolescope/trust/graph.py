"""The cross-account trust graph, built from each scanned account's part in time linear in the policies.

Nodes are roles, users, principal groups, the organisation, accounts outside the scan, services,
identity providers and "anyone"; an edge ``a -> r`` says ``a`` can assume role ``r`` (see
:mod:`rolescope.trust.graph_model`). Trust in a scanned account's root does not become one edge per
principal of that account: the account's principals that may assume any role form one *group* node
(one ``member`` edge each), and the role gets one edge from the group, plus one from each principal
whose identity policy names it (an explicit grant). ``"*"`` confined to the organisation is one edge
from the organisation node, which each member account's group feeds. Only a trust that tells the
account's principals apart (``aws:PrincipalArn``...) is expanded into the principals it admits.
A user or role of another scanned account that a trust names gets its edge only when its own identity
policies allow the call too (cross-account access needs both halves; in its own account the trust
alone lets it in).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from rolescope.inventory.model import Organization
from rolescope.policy.identity import resource_test
from rolescope.trust.graph_model import (
    ASSUMPTIONS,
    EdgeKind,
    GraphEdge,
    GraphNode,
    GroupScope,
    NodeKind,
    TrustGraph,
    Way,
)
from rolescope.trust.graph_part import AccountGraphPart, RefKind, RoleTrust, TrustRef, account_graph_part
from rolescope.trust.principals import ANY_TARGET_ACCOUNT, GraphPrincipal, is_pattern, target_account
from rolescope.trust.reach import Admission, singled_out
from rolescope.trust.scp_fence import ScpFence

# Edges whose source's SCPs are known: one principal, or one account's group of principals.
_FENCED_KINDS = frozenset({NodeKind.ROLE, NodeKind.USER, NodeKind.GROUP})
# Python 3.11's EnumType defines __getattr__, which sends every look-up on an enum class
# (NodeKind.ROLE) down a slow path, a fifth of a microsecond here: the code run for every role
# compares with these.
_ROLE, _USER, _NODE, _ACCOUNT = NodeKind.ROLE, NodeKind.USER, RefKind.NODE, RefKind.ACCOUNT
_TRUST, _GRANT, _ADMITTED = EdgeKind.TRUST, EdgeKind.GRANT, EdgeKind.ADMITTED
_ANY, _OWN_ACCOUNT = GroupScope.ANY, GroupScope.OWN_ACCOUNT

__all__ = ["AccountGraphPart", "TrustGraph", "account_graph_part", "build_graph", "group_id", "organization_id"]


def group_id(account: str, scope: GroupScope) -> str:
    """The id of an account's group node."""
    return f"group:{account}" if scope is GroupScope.ANY else f"group:{account}:own"


def organization_id(org_id: str) -> str:
    """The id of the organisation node."""
    return f"organization:{org_id}"


def build_graph(parts: Iterable[AccountGraphPart], organization: Organization | None = None) -> TrustGraph:
    """The trust graph of the scanned accounts.

    Args:
        parts: each scanned account's graph part (:func:`account_graph_part`).
        organization: the organisation, when known (its member accounts' groups feed its node).

    Returns:
        The graph, with ``counters`` of the work done.
    """
    # in account order, whatever order the parts were computed in: the same scan, the same graph
    return _Builder(sorted(parts, key=lambda p: p.account_id), organization).run()


class _Builder:
    def __init__(self, parts: list[AccountGraphPart], organization: Organization | None) -> None:
        self.parts = parts
        self.organization = organization
        self.graph = TrustGraph()
        self.scanned = {p.account_id: p for p in parts}
        self.members: dict[tuple[str, GroupScope], list[GraphPrincipal]] = defaultdict(list)
        self.principals: dict[str, tuple[GraphPrincipal, str]] = {}
        self.by_name: dict[tuple[str, str], str] = {}
        # Explicit grants, found without trying every principal on every role: literal role ARNs by
        # dict lookup; patterns by (source account, the account they may match, or "*").
        self.literal: dict[str, list[str]] = defaultdict(list)
        self.patterns: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.org_patterns: dict[str, list[str]] = defaultdict(list)
        self.members_of_org = organization.account_ids if organization is not None else frozenset()
        self.singled_out: dict[tuple[str, GroupScope, tuple[str, ...]], list[GraphPrincipal]] = {}
        self.names = {a.account_id: a.name for a in organization.accounts if a.name} if organization else {}
        self.made: set[tuple[int, EdgeKind, Way | None, str | None]] = set()
        self.kinds: dict[tuple[str, GroupScope], set[NodeKind]] = {}
        # _group_way of a role's own admission, by the admission's identity: roles with one trust
        # document share its admissions (the parts hold them all while the graph is built).
        self.group_ways: dict[tuple[int, str, GroupScope], Way | None] = {}
        self.fence = ScpFence(organization)
        # _allows, by the identity of a principal's statements: the principals of an account that hold
        # the same policies share one tuple (see graph_principals), which self.principals keeps alive.
        self.tests: dict[int, Callable[[str], bool]] = {}

    def run(self) -> TrustGraph:
        graph = self.graph
        add_nodes, by_name = graph.add_nodes, self.by_name
        starts: list[int | None] = []
        for part in self.parts:
            account = part.account_id
            start = len(graph.nodes)
            add_nodes([GraphNode(role.arn, _ROLE, role.name, account) for role in part.roles])
            by_name.update({(account, role.name): role.arn for role in part.roles})
            # each role a new node, appended in order (ARNs are unique): its node is start + its
            # position, no look-up by ARN in an index of every node
            starts.append(start if len(graph.nodes) - start == len(part.roles) else None)
        for part in self.parts:
            self._index(part)
        for part, first in zip(self.parts, starts, strict=True):
            if first is None:
                for role in part.roles:
                    self._role(part, role, graph.index[role.arn])
            else:
                for target, role in enumerate(part.roles, first):
                    self._role(part, role, target)
        graph.counters["nodes"] = len(graph.nodes)
        graph.counters["edges"] = len(graph.edges)
        return graph

    # ----------------------------------------------------------------- nodes

    def _node(self, ident: str, kind: NodeKind, account: str | None = None, label: str | None = None) -> int:
        if ident in self.graph.index:
            return self.graph.index[ident]
        if label is None:
            label = ident.rsplit("/", 1)[-1] if "/" in ident else ident
        return self.graph.add_node(GraphNode(ident, kind, label, account))

    def _group(self, account: str, scope: GroupScope) -> int:
        ident = group_id(account, scope)
        if ident in self.graph.index:
            return self.graph.index[ident]
        members = self.members.get((account, scope), [])
        roles = sum(1 for m in members if m.kind is NodeKind.ROLE)
        users = len(members) - roles
        part = self.scanned[account]
        name = part.alias or account
        what = "any role that trusts the account" if scope is GroupScope.ANY else \
            "any role of the account that trusts it"
        who = " and ".join(x for x in (_count(roles, "role"), _count(users, "user")) if x)
        return self.graph.add_node(GraphNode(ident, NodeKind.GROUP, f"{who} of {name} may assume {what}", account,
                                             roles, users, scope))

    def _organization(self, org_id: str) -> int:
        ident = organization_id(org_id)
        if ident in self.graph.index:
            return self.graph.index[ident]
        members = len(self.members_of_org)
        label = f"organization {org_id}" + (f" ({_count(members, 'member account')})" if members else "")
        node = self.graph.add_node(GraphNode(ident, NodeKind.ORGANIZATION, label))
        for account in sorted(self.members_of_org & self.scanned.keys()):
            if self.members.get((account, GroupScope.ANY)):
                self._edge(self._group(account, GroupScope.ANY), node, EdgeKind.MEMBER_ACCOUNT)
        return node

    def _source(self, ref: TrustRef) -> int:
        ident, kind = ref.source, ref.node_kind
        account = None
        parts = ident.split(":", 5)
        if len(parts) == 6 and parts[4].isdigit():
            account = parts[4]
        if kind is NodeKind.ROLE and ident not in self.graph.index and account is not None:
            # an assumed-role session names the role without its path
            ident = self.by_name.get((account, ident.rsplit("/", 1)[-1]), ident)
        return self._node(ident, kind, account)

    def _edge(self, source: int, target: int, kind: EdgeKind, way: Way | None = None, via: str | None = None) -> None:
        # Every edge into a role is made while that role is built: the same way in, reached twice
        # (two paths naming one principal...), is kept once by a set that lives as long as the role.
        if kind in ASSUMPTIONS:
            made = self.made
            before = len(made)
            made.add((source, kind, way, via))  # one hash of the key (a Way hashes in Python), not two
            if len(made) == before:
                return
            if self.fence.enabled and self._fenced(source, target):
                return
        self.graph.add_edge(GraphEdge(source, target, kind, way, via))

    def _fenced(self, source: int, target: int) -> bool:
        """Whether an SCP of the source's account stops it assuming the target (see ScpFence)."""
        node, role = self.graph.nodes[source], self.graph.nodes[target]
        if node.account is None or role.account is None or node.kind not in _FENCED_KINDS:
            return False
        arn = node.id if node.kind in (NodeKind.ROLE, NodeKind.USER) else None
        reason = self.fence.cuts(node.account, arn, role.id, role.account)
        if reason is None:
            return False
        self.graph.counters["cut_by_scp"] += 1
        self.graph.scp_cuts[reason] += 1
        return True

    # ----------------------------------------------------------------- principals and grants

    def _index(self, part: AccountGraphPart) -> None:
        account = part.account_id
        in_org = account in self.members_of_org
        for principal in part.principals:
            self.principals[principal.arn] = (principal, account)
            if principal.group is not None:
                self.members[(account, principal.group)].append(principal)
            for resource in principal.resources:
                if not is_pattern(resource):
                    self.literal[resource].append(principal.arn)
                    continue
                target = target_account(resource)
                self.patterns[(account, target)].append(principal.arn)
                if in_org:
                    self.org_patterns[target].append(principal.arn)
        member = EdgeKind.MEMBER
        for scope in GroupScope:
            group = -1
            for principal in self.members.get((account, scope), ()):
                node = self._node(principal.arn, principal.kind, account)
                if group == -1:  # made after its first member's node, as the numbering has it
                    group = self._group(account, scope)
                self._edge(node, group, member)

    def _grants(self, role: str, role_account: str, account: str) -> list[GraphPrincipal]:
        """Principals of ``account`` whose identity policies name ``role``, literally or by a narrower
        pattern. A literal name costs a dict lookup; a pattern is tried on every role that trusts its
        account and whose account it may match (every such role, when its account field is a
        wildcard): patterns x roles trusting the account, counted in ``grant_checks``."""
        found = [a for a in self.literal.get(role, ()) if self.principals[a][1] == account]
        found += self.patterns.get((account, role_account), ())
        found += self.patterns.get((account, ANY_TARGET_ACCOUNT), ())
        return self._granting(role, found)

    def _organization_grants(self, role: str, role_account: str) -> list[GraphPrincipal]:
        """Principals of the organisation's other member accounts whose identity policies name ``role``."""
        found = [a for a in self.literal.get(role, ())
                 if self.principals[a][1] in self.members_of_org and self.principals[a][1] != role_account]
        found += [a for target in (role_account, ANY_TARGET_ACCOUNT) for a in self.org_patterns.get(target, ())
                  if self.principals[a][1] != role_account]
        return self._granting(role, found)

    def _granting(self, role: str, candidates: list[str]) -> list[GraphPrincipal]:
        self.graph.counters["grant_checks"] += len(candidates)
        principals = [self.principals[a][0] for a in dict.fromkeys(candidates)]
        return [p for p in principals if self._allows(p, role)]

    def _allows(self, principal: GraphPrincipal, role: str) -> bool:
        """Whether ``principal``'s identity statements allow ``sts:AssumeRole`` on ``role``; its
        statements are compiled once (a pattern is tried on every role that trusts its account)."""
        test = self.tests.get(id(principal.statements))
        if test is None:
            test = self.tests[id(principal.statements)] = resource_test(principal.statements)
        return test(role)

    # ----------------------------------------------------------------- roles

    def _role(self, part: AccountGraphPart, role: RoleTrust, target: int) -> None:
        graph = self.graph
        refs = role.refs
        if len(refs) == 1 and refs[0].kind is _NODE:
            # most roles: one way in, from one node (a service...): nothing to merge or expand
            ref = refs[0]
            source = graph.index.get(ref.source)
            if source is None:
                source = self._source(ref)
            kind = graph.nodes[source].kind
            # only a user or role may lack the identity half (the check is not called for the others)
            if (kind is not _USER and kind is not _ROLE) or \
                    not self._lacks_identity_half(source, role.arn, part.account_id):
                graph.add_edge(GraphEdge(source, target, _TRUST, ref.way, ref.via))
            return
        self.made.clear()
        for ref in refs:
            way_in = ref.kind
            if way_in is _NODE:
                source = self._source(ref)
                if not self._lacks_identity_half(source, role.arn, part.account_id):
                    self._edge(source, target, _TRUST, ref.way, ref.via)
            elif way_in is _ACCOUNT and ref.source in self.scanned and ref.admission is not None:
                self._account_trust(role.arn, target, part.account_id, ref.source, ref, ref.admission)
            elif way_in is _ACCOUNT:
                label = self._outside_label(ref.source)
                self._edge(self._node(f"account:{ref.source}", NodeKind.ACCOUNT, ref.source, label), target,
                           EdgeKind.TRUST, ref.way, ref.via)
            elif ref.admission is not None:
                self._organization_trust(role.arn, part.account_id, ref, ref.admission)

    def _lacks_identity_half(self, source: int, role: str, role_account: str) -> bool:
        """Whether ``source``, a user or role of another scanned account that the trust names, is known
        not to be allowed ``sts:AssumeRole`` on ``role`` by its own identity policies. Principals of
        accounts outside the scan, and users of an export that holds no users, keep their edge: their
        policies are unknown."""
        node = self.graph.nodes[source]
        if node.kind not in (NodeKind.USER, NodeKind.ROLE) or node.account in (None, role_account):
            return False
        part = self.scanned.get(node.account or "")
        if part is None:
            return False
        found = self.principals.get(node.id)
        if found is not None:
            self.graph.counters["grant_checks"] += 1
            return found[0].group is not GroupScope.ANY and not self._allows(found[0], role)
        # in none of the account's principals that may call sts:AssumeRole: known when it was read
        if node.kind is NodeKind.ROLE:
            return self.by_name.get((part.account_id, node.id.rsplit("/", 1)[-1])) == node.id
        return part.users_read

    def _outside_label(self, account: str) -> str:
        name = self.names.get(account)
        return f"{name} ({account})" if name else account

    def _account_trust(self, role: str, target: int, role_account: str, account: str, ref: TrustRef,
                       admission: Admission) -> None:
        """``role`` (node ``target``) trusts scanned ``account``: its groups (or the members a trust
        that tells them apart admits), and the explicit grants."""
        covered: set[GroupScope | None] = set()
        done: set[str] = set()
        scopes = (_ANY, _OWN_ACCOUNT) if role_account == account else (_ANY,)
        for scope in scopes:
            members = self.members.get((account, scope), [])
            key = (id(admission), account, scope)
            if key in self.group_ways:
                way = self.group_ways[key]
            else:
                way = self.group_ways[key] = self._group_way(admission, account, scope, members)
            if way is not None:
                if members:  # an empty group stands for nobody: no edge
                    self._edge(self._group(account, scope), target, _TRUST, way, ref.via)
                covered.add(scope)
            else:
                done.update(self._admit(self._candidates(members, account, scope, admission), role, account,
                                        admission, ref.via, _ADMITTED))
        grants = [p for p in self._grants(role, role_account, account) if p.group not in covered and p.arn not in done]
        if grants:  # most roles: none (and _admit would look the role's node up for nothing)
            self._admit(grants, role, account, admission, ref.via, _GRANT)

    def _kinds(self, account: str, scope: GroupScope) -> set[NodeKind]:
        """The kinds of principal (role, user) a group holds, worked out once per group."""
        found = self.kinds.get((account, scope))
        if found is None:
            found = self.kinds[(account, scope)] = {m.kind for m in self.members.get((account, scope), ())}
        return found

    def _group_way(self, admission: Admission, account: str, scope: GroupScope, members: list[GraphPrincipal]
                   ) -> Way | None:
        """The one way every member of a group gets in, when the admission cannot tell them apart
        (the members it names get in as the others of their kind do); ``None`` otherwise."""
        if admission.deferred is not None or admission.accounts:
            return None
        kinds = self._kinds(account, scope)
        if NodeKind.USER in kinds and NodeKind.ROLE in kinds and admission.roles != admission.users:
            return None
        way = admission.users if kinds == {NodeKind.USER} else admission.roles
        for arn, answer in admission.named.items():
            found = self.principals.get(arn)
            if found is not None and found[1] == account and found[0].group is scope and answer != way:
                return None
        return way

    def _candidates(self, members: list[GraphPrincipal], account: str, scope: GroupScope, admission: Admission
                    ) -> list[GraphPrincipal]:
        """The members of a group that a trust telling principals apart may admit. When it admits no
        principal it does not name, those it names (policy-sized); otherwise every member, counted in
        ``members_expanded`` (a trust that admits most of an account but singles some out)."""
        kinds = self._kinds(account, scope)
        unnamed = any((admission.users if k is NodeKind.USER else admission.roles) is not None for k in kinds) or \
            any(answer != (None, None) for answer in admission.accounts.values())
        deferred = admission.deferred
        if not unnamed and (deferred is None or not deferred.everyone):
            named = (self.principals.get(arn) for arn in admission.named)
            found = [p for p, a in filter(None, named) if a == account and p.group is scope]
            if deferred is not None:  # and the members its aws:PrincipalArn patterns single out
                found += [p for p in self._singled_out(members, account, scope, deferred.patterns)
                          if p.arn not in admission.named]
            return found
        self.graph.counters["members_expanded"] += len(members)
        return members

    def _singled_out(self, members: list[GraphPrincipal], account: str, scope: GroupScope,
                     patterns: tuple[str, ...]) -> list[GraphPrincipal]:
        """The members of a group that ``aws:PrincipalArn`` patterns tell apart from a fresh principal,
        worked out once per group and set of patterns (roles of an account share a few such sets)."""
        key = (account, scope, patterns)
        found = self.singled_out.get(key)
        if found is None:
            self.graph.counters["members_expanded"] += len(members)
            found = self.singled_out[key] = [p for p in members if singled_out(patterns, p.arn, p.kind)]
        return found

    def _organization_trust(self, role: str, role_account: str, ref: TrustRef, admission: Admission) -> None:
        """``role`` trusts the organisation's members ("*" + aws:PrincipalOrgID): one edge from the
        organisation node when every member's principals get in alike, else each scanned member's
        group; and the explicit grants of the other members' principals."""
        target = self.graph.index[role]
        org = self._organization(ref.source)
        if admission.uniform and admission.roles == admission.users and admission.roles is not None:
            self._edge(org, target, EdgeKind.TRUST, admission.roles, ref.via)
            covered = True
        else:
            # The trust tells members apart: each member account on its own (accounts x such roles).
            covered = False
            self.graph.counters["organization_expanded"] += 1
            for account in sorted(self.members_of_org - {role_account}):
                if account in self.scanned:
                    self._member_account_trust(role, account, ref, admission)
                else:
                    self._outside_member_trust(role, account, ref, admission)
        for principal in self._organization_grants(role, role_account):
            if not (covered and principal.group is GroupScope.ANY):
                account = self.principals[principal.arn][1]
                self._admit([principal], role, account, admission, ref.via, EdgeKind.GRANT)

    def _member_account_trust(self, role: str, account: str, ref: TrustRef, admission: Admission) -> None:
        members = self.members.get((account, GroupScope.ANY), [])
        roles, users = admission.accounts.get(account, (admission.roles, admission.users))
        view = Admission(roles, users, admission.named, {}, admission.deferred)
        way = self._group_way(view, account, GroupScope.ANY, members)
        if way is not None and members:
            self._edge(self._group(account, GroupScope.ANY), self.graph.index[role], EdgeKind.TRUST, way, ref.via)
        elif way is None:
            self._admit(self._candidates(members, account, GroupScope.ANY, view), role, account, view, ref.via,
                        EdgeKind.ADMITTED)

    def _outside_member_trust(self, role: str, account: str, ref: TrustRef, admission: Admission) -> None:
        """A member account outside the scan stands for all its principals: an edge when its roles or
        users get in, else from each principal of it the trust names and admits."""
        target = self.graph.index[role]
        roles, users = admission.accounts.get(account, (admission.roles, admission.users))
        way = roles or users
        if way is not None:
            node = self._node(f"account:{account}", NodeKind.ACCOUNT, account, self._outside_label(account))
            self._edge(node, target, EdgeKind.TRUST, way, ref.via)
            return
        for arn, named in admission.named.items():
            if named is not None and arn.split(":", 5)[4] == account:
                kind = NodeKind.USER if ":user/" in arn else NodeKind.ROLE
                self._edge(self._node(arn, kind, account), target, EdgeKind.ADMITTED, named, ref.via)

    def _admit(self, principals: Iterable[GraphPrincipal], role: str, account: str, admission: Admission,
               via: str, kind: EdgeKind) -> set[str]:
        """Edges from the ``principals`` the admission lets in; returns the ARNs looked at."""
        target = self.graph.index[role]
        seen = set()
        for principal in principals:
            seen.add(principal.arn)
            if principal.arn == role:
                continue
            way = admission.way_for(principal.arn, principal.kind, account)
            if way is not None:
                self._edge(self._node(principal.arn, principal.kind, account), target, kind, way, via)
        return seen


def _count(number: int, noun: str) -> str:
    if number == 0:
        return ""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
