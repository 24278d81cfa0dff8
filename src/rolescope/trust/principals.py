"""Which roles each principal of an account may call ``sts:AssumeRole`` on, read once from its identity policies.

A principal whose policies allow the call on every role (``Resource: "*"``, ``arn:aws:iam::*:role/*``,
an AWS managed admin policy) with no Deny narrowing it joins its account's group ``any``; one allowed
on every role of its own account (``arn:aws:iam::<own>:role/*``) joins the group ``own-account``.
What else it names (role ARNs, narrower patterns), and every principal a Deny narrows, keeps its
statements for the graph to test against each role that trusts its account: explicit grants.
Conditions are not evaluated (see :mod:`rolescope.policy.identity`): who *could* make the call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rolescope.inventory.model import AccountSnapshot, InlinePolicy, PolicyRef
from rolescope.policy.glob import FRESH, glob_match
from rolescope.policy.identity import AWS_MANAGED_ALLOWING_STS, allows_on, may_allow, resources
from rolescope.records import quick_init
from rolescope.trust.graph_model import GroupScope, NodeKind

ANY_TARGET_ACCOUNT = "*"  # the index key of a resource pattern that may match roles of any account
# What an AWS managed admin policy allows of sts:AssumeRole (GAAD leaves their documents out).
_ALLOW_EVERY_ROLE: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
_FRESH_ACCOUNT = FRESH * 12  # an account id no pattern names: matched only by a wildcard account field


@quick_init
@dataclass(frozen=True, slots=True)
class GraphPrincipal:
    """A role or user of a scanned account that may call ``sts:AssumeRole`` on some role.

    Attributes:
        arn: its ARN.
        kind: ``role`` or ``user``.
        group: the group of its account it belongs to, if any.
        statements: its identity statements about ``sts:AssumeRole`` (empty for the group ``any``,
            which covers every role already).
        resources: the roles and patterns its Allow statements name beyond what its group covers.
    """

    arn: str
    kind: NodeKind
    group: GroupScope | None
    statements: tuple[dict[str, Any], ...] = ()
    resources: tuple[str, ...] = ()


def graph_principals(snapshot: AccountSnapshot) -> tuple[GraphPrincipal, ...]:
    """The roles and users of ``snapshot`` that may assume some role (users with their groups' policies).

    Args:
        snapshot: one scanned account.

    Returns:
        One entry per principal that may call ``sts:AssumeRole`` at all, in the snapshot's order.
    """
    found: list[GraphPrincipal] = []
    # Most principals of an account hold the same few managed policies, hence the same statements
    # (the snapshot reads each document's once): each set is classified once, and its principals
    # share the outcome (one tuple of statements, which pickles once). Keyed by the statements'
    # identities; each entry holds its statements, so no id is reused.
    classified: dict[tuple[Any, ...], tuple[tuple[dict[str, Any], ...], _Class | None]] = {}
    read: dict[int, _Read] = {}

    for arn, kind, refs, inline in _holders(snapshot):
        statements, admin = _identity_statements(snapshot, refs, inline, read)
        if not (statements or admin):
            continue  # nothing lets it call sts:AssumeRole (as _classify says): about half of an account's principals
        partition = arn.split(":", 2)[1] if arn.count(":") >= 2 else "aws"
        key = (partition, admin, *map(id, statements))
        known = classified.get(key)
        if known is None:
            known = classified[key] = (statements, _classify(partition, snapshot.account_id, statements, admin))
        if known[1] is not None:
            found.append(GraphPrincipal(arn, kind, *known[1]))
    return tuple(found)


def _holders(snapshot: AccountSnapshot
             ) -> Iterator[tuple[str, NodeKind, Sequence[PolicyRef], Sequence[InlinePolicy]]]:
    """Each role and user of ``snapshot`` with its identity policies (a user's with its groups')."""
    for role in snapshot.roles:
        yield role.arn, NodeKind.ROLE, role.attached_policies, role.inline_policies
    groups = {g.name: g for g in snapshot.groups}
    for user in snapshot.users:
        refs, inline = list(user.attached_policies), list(user.inline_policies)
        for name in user.groups:
            if name in groups:
                refs += groups[name].attached_policies
                inline += groups[name].inline_policies
        yield user.arn, NodeKind.USER, refs, inline


# A managed policy reference (one object per policy, shared by its principals: see
# rolescope.inventory.gaad), its sts:AssumeRole statements, and whether it is an AWS managed admin policy.
_Read = tuple[PolicyRef, tuple[dict[str, Any], ...], bool]


def _identity_statements(snapshot: AccountSnapshot, refs: Iterable[PolicyRef], inline: Iterable[InlinePolicy],
                         read: dict[int, _Read]) -> tuple[tuple[dict[str, Any], ...], bool]:
    """The sts:AssumeRole statements of a principal's inline then managed policies, in that order,
    and whether an AWS managed policy lets it assume any role.

    ``read`` remembers each managed policy's reading, by its reference's identity (an entry holds its
    reference, so no id is reused): most principals of an account hold the same few.
    """
    statements: tuple[dict[str, Any], ...] = ()
    for policy in inline:
        statements += snapshot.assume_statements(policy.document)
    admin = False
    for ref in refs:
        known = read.get(id(ref))
        if known is None:
            known = read[id(ref)] = (ref, _managed_statements(snapshot, ref),
                                     ref.name in AWS_MANAGED_ALLOWING_STS and ref.aws_managed)
        statements += known[1]
        admin = admin or known[2]
    return statements, admin


def _managed_statements(snapshot: AccountSnapshot, ref: PolicyRef) -> tuple[dict[str, Any], ...]:
    managed = snapshot.policy(ref.arn)
    if managed is None or managed.document is None:
        return ()
    return snapshot.assume_statements(managed.document)


# What a principal's statements make of it: its group, the statements kept and the resources named.
_Class = tuple[GroupScope | None, tuple[dict[str, Any], ...], tuple[str, ...]]


def _classify(partition: str, account: str, statements: tuple[dict[str, Any], ...], admin: bool) -> _Class | None:
    """How a principal of ``account`` with these statements is a graph principal (``None``: it may
    assume no role)."""
    if admin:
        statements = (_ALLOW_EVERY_ROLE, *statements)
    if not may_allow(statements):
        return None
    own_roles = f"arn:{partition}:iam::{account}:role/{FRESH}"
    # A Deny (one with no condition: those are read as not applying) can single out any role: a
    # principal it narrows is tested role by role, never taken for "may assume any role".
    narrowed = any(s.get("Effect") == "Deny" and "Condition" not in s for s in statements)
    if not narrowed and allows_on(statements, f"arn:{partition}:iam::{_FRESH_ACCOUNT}:role/{FRESH}"):
        return GroupScope.ANY, (), ()
    group = GroupScope.OWN_ACCOUNT if not narrowed and allows_on(statements, own_roles) else None
    named: list[str] = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        for resource in _named(statement):
            if group is GroupScope.OWN_ACCOUNT and target_account(resource) == account and \
                    glob_match(resource, own_roles):
                continue  # the group own-account covers it
            if resource not in named:
                named.append(resource)
    return group, statements, tuple(named)


def _named(statement: dict[str, Any]) -> list[str]:
    if "Resource" not in statement:
        return [ANY_TARGET_ACCOUNT]  # NotResource: anything but what it lists, tested role by role
    # A literal that names no role can never be an assumption target.
    return [v for v in resources(statement) if is_pattern(v) or ":role/" in v]


def is_pattern(resource: str) -> bool:
    """Whether ``resource`` holds a wildcard or a policy variable (so it is not looked up literally)."""
    return "*" in resource or "?" in resource or "${" in resource


def target_account(resource: str) -> str:
    """The account whose roles ``resource`` may match, or :data:`ANY_TARGET_ACCOUNT` when it is not fixed."""
    parts = resource.split(":", 5)
    if len(parts) < 6 or is_pattern(parts[4]) or not parts[4]:
        return ANY_TARGET_ACCOUNT
    return parts[4]
