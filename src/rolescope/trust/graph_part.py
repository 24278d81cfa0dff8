"""What the trust graph needs of one scanned account, computed where the account is scanned.

:func:`account_graph_part` turns an account's snapshot and its roles' trust analyses into an
:class:`AccountGraphPart`: its principals that may assume roles (:mod:`rolescope.trust.principals`)
and, per role, the ways in its trust policy opens (:class:`TrustRef`), each account or organisation
way carrying an :class:`~rolescope.trust.reach.Admission` that says how that account's principals get
in. A part holds no snapshot and no analysis, pickles, and does not depend on the other accounts:
the pipeline computes it in a worker process and :func:`rolescope.trust.graph.build_graph` joins the
parts in the main process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from itertools import starmap
from operator import attrgetter
from typing import Any

from rolescope.inventory.model import AccountSnapshot, Role
from rolescope.records import quick_init
from rolescope.trust.analysis import TrustAnalysis, TrustPath
from rolescope.trust.graph_model import NodeKind, Way
from rolescope.trust.perimeter_verdict import path_exception
from rolescope.trust.principals import GraphPrincipal, graph_principals
from rolescope.trust.reach import Admission, Admitter
from rolescope.trust.witness import Scope


class RefKind(StrEnum):
    """What a way into a role comes from."""

    NODE = "node"  # one node the policy names: a role, a user, a service, a provider, anyone
    ACCOUNT = "account"  # the principals of an account (its root)
    ORGANIZATION = "organization"  # the principals of the organisation's member accounts ("*" + aws:PrincipalOrgID)


@quick_init
@dataclass(frozen=True, slots=True)
class TrustRef:
    """One way into a role, before the graph knows which accounts were scanned.

    Attributes:
        kind: what the way comes from.
        source: the node's id (``NODE``), the account id (``ACCOUNT``) or the organisation id.
        node_kind: the kind of node ``source`` is (``NODE``).
        way: the statement and what the request must carry.
        via: the policy principal (``arn:aws:iam::<id>:root``, ``*``, a role ARN...).
        admission: for ``ACCOUNT`` and ``ORGANIZATION``, how each of their principals gets in.
    """

    kind: RefKind
    source: str
    node_kind: NodeKind
    way: Way
    via: str
    admission: Admission | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class RoleTrust:
    """One role of the account and the ways into it."""

    arn: str
    name: str
    refs: tuple[TrustRef, ...]


@dataclass(frozen=True, slots=True)
class AccountGraphPart:
    """A scanned account as the trust graph needs it: snapshot-free and picklable.

    Attributes:
        account_id: the account.
        alias: its alias, when known.
        partition: the partition of its ARNs.
        principals: its roles and users that may call ``sts:AssumeRole`` on some role.
        roles: every analysed role, with the ways into it.
        users_read: whether its users were read (exports of roles only hold none): only then does a
            user missing from ``principals`` surely lack ``sts:AssumeRole``.
    """

    account_id: str
    alias: str | None
    partition: str
    principals: tuple[GraphPrincipal, ...]
    roles: tuple[RoleTrust, ...]
    users_read: bool = True

    def __reduce__(self) -> tuple[Callable[..., AccountGraphPart], tuple[Any, ...]]:
        # Its principals and roles (one each per principal and role of the account) cross as rows of
        # their field values, which the pickler writes in C, not each by its own __reduce__ (a Python call).
        return _graph_part, (self.account_id, self.alias, self.partition,
                             tuple(map(_PRINCIPAL_ROW, self.principals)), tuple(map(_ROLE_ROW, self.roles)),
                             self.users_read)


_PRINCIPAL_ROW = attrgetter(*(f.name for f in fields(GraphPrincipal)))
_ROLE_ROW = attrgetter(*(f.name for f in fields(RoleTrust)))


def _graph_part(account_id: str, alias: str | None, partition: str, principals: Iterable[tuple[Any, ...]],
                roles: Iterable[tuple[Any, ...]], users_read: bool) -> AccountGraphPart:
    """An :class:`AccountGraphPart` unpickled, its principals and roles rebuilt from their rows."""
    return AccountGraphPart(account_id, alias, partition, tuple(starmap(GraphPrincipal, principals)),
                            tuple(starmap(RoleTrust, roles)), users_read)


def account_graph_part(snapshot: AccountSnapshot, roles: Sequence[tuple[Role, TrustAnalysis]]) -> AccountGraphPart:
    """What the trust graph needs of one scanned account.

    Args:
        snapshot: the account (read for its principals' identity policies).
        roles: its roles with their trust analyses (roles that could not be analysed left out).

    Returns:
        The account's graph part; it refers to no other account's data.
    """
    # Roles with one trust document share one analysis, hence one tuple of ways in (one object, which
    # pickles once).
    refs: dict[int, tuple[TrustRef, ...]] = {}
    trusts = []
    for role, analysis in roles:
        found = refs.get(id(analysis))
        if found is None:
            found = refs[id(analysis)] = tuple(_refs(analysis))
        trusts.append(RoleTrust(role.arn, role.name, found))
    partition = roles[-1][0].partition if roles else "aws"  # the last role's, read once
    return AccountGraphPart(snapshot.account_id, snapshot.alias, partition, graph_principals(snapshot),
                            tuple(trusts), bool(snapshot.users))


def _refs(analysis: TrustAnalysis) -> Iterator[TrustRef]:
    # The admitter only for a policy with account or organisation ways in: most trust a service.
    admitters: list[Admitter] = []

    def admitter() -> Admitter:
        if not admitters:
            admitters.append(Admitter(analysis))
        return admitters[0]

    for path in analysis.paths:
        # the enum's value without its (slow) property, here and in reach
        way = Way(path.statement, path.sid, path.scope._value_, path.requires, path_exception(analysis, path))
        for principal in path.principals:
            yield _ref(analysis, admitter, path, way, principal)


def _ref(analysis: TrustAnalysis, admitter: Callable[[], Admitter], path: TrustPath, way: Way, principal: str
         ) -> TrustRef:
    if path.scope is Scope.SERVICE:
        return TrustRef(RefKind.NODE, principal, NodeKind.SERVICE, way, principal)
    if path.scope is Scope.FEDERATED:
        return TrustRef(RefKind.NODE, principal, NodeKind.FEDERATED, way, principal)
    if principal == "*":
        # "*" that the organisation confines: its member accounts' principals, through one node. Any
        # other "*" is public, or confined in a way the graph does not model (it stays "anyone",
        # with what the request must carry on the edge).
        if not path.public and "org" in path.requires and analysis.zone.org_id:
            return TrustRef(RefKind.ORGANIZATION, analysis.zone.org_id, NodeKind.ORGANIZATION, way, principal,
                            admitter().organization(way))
        return TrustRef(RefKind.NODE, "anyone", NodeKind.ANYONE, way, principal)
    parts = principal.split(":", 5)
    if principal.isdigit() or (len(parts) == 6 and parts[5] == "root"):
        account = principal if principal.isdigit() else parts[4]
        return TrustRef(RefKind.ACCOUNT, account, NodeKind.ACCOUNT, way, principal, admitter().account(account))
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        # A session of a role: whoever may assume the role may name the session as they like.
        role = f"arn:{parts[1]}:iam::{parts[4]}:role/{parts[5].split('/')[1]}"
        return TrustRef(RefKind.NODE, role, NodeKind.ROLE, way, principal)
    if len(parts) == 6 and parts[5].startswith("role/"):
        return TrustRef(RefKind.NODE, principal, NodeKind.ROLE, way, principal)
    if len(parts) == 6 and parts[5].startswith("user/"):
        return TrustRef(RefKind.NODE, principal, NodeKind.USER, way, principal)
    return TrustRef(RefKind.NODE, principal, NodeKind.PRINCIPAL, way, principal)
