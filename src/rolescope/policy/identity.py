"""Whether an identity policy lets its holder call an action on a resource (for the trust graph).

Conditions are not evaluated: the graph shows who *could* make the call, the conservative reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rolescope.caches import memoized
from rolescope.policy.glob import glob_any, glob_match

ASSUME_ROLE = "sts:assumerole"  # as the action names are matched: lower-cased

# AWS managed policies whose documents GAAD does not include, by what they allow of STS.
AWS_MANAGED_ALLOWING_STS = frozenset({"AdministratorAccess", "PowerUserAccess"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


# Every principal's policies are read for sts:AssumeRole, and accounts repeat the same few hundred
# action names: each (action pattern, action) pair is matched once.
@memoized(8192)
def _action_match(pattern: str, action: str) -> bool:
    return glob_match(pattern.lower(), action)


# Policies repeat whole Action lists (the same few roles' worth of permissions, statement after
# statement): each (list, action) pair is matched once, not each of its patterns looked up again.
@memoized(8192)
def _any_action_match(patterns: str | tuple[Any, ...], action: str) -> bool:
    return any(_action_match(a, action) for a in _strings(patterns if isinstance(patterns, str) else list(patterns)))


def _matches(value: Any, action: str) -> bool:
    """Whether any string of an Action/NotAction element matches ``action``."""
    if isinstance(value, list):
        try:
            return _any_action_match(tuple(value), action)
        except TypeError:  # an unhashable item in a malformed list: matched pattern by pattern
            return any(_action_match(a, action) for a in _strings(value))
    return isinstance(value, str) and _action_match(value, action)


def _covers_action(statement: dict[str, Any], action: str) -> bool:
    if "Action" in statement:
        return _matches(statement["Action"], action)
    return not _matches(statement.get("NotAction"), action)


def _covers_resource(statement: dict[str, Any], resource: str) -> bool:
    if "Resource" in statement:
        return any(glob_match(r, resource) for r in _strings(statement["Resource"]))
    return not any(glob_match(r, resource) for r in _strings(statement.get("NotResource")))


def resources(statement: dict[str, Any]) -> list[str]:
    """The strings of a statement's ``Resource`` element (none when it uses ``NotResource``)."""
    return _strings(statement.get("Resource"))


def action_statements(documents: Iterable[Any], action: str) -> tuple[dict[str, Any], ...]:
    """The statements of ``documents`` whose Action/NotAction covers ``action``, in order.

    Read once per principal, they answer :func:`allows_on` for every resource: no other statement
    can matter to that action.
    """
    # Every inline policy of every principal is read here, most of them once and about other services:
    # the statements are walked in place, with no list of them made first.
    found = []
    for document in documents:
        body = document.get("Statement") if isinstance(document, dict) else None
        for statement in (body,) if isinstance(body, dict) else body if isinstance(body, list) else ():
            if isinstance(statement, dict) and _covers_action(statement, action):
                found.append(statement)
    return tuple(found)


def allows_on(statements: Iterable[dict[str, Any]], resource: str) -> bool:
    """Whether statements from :func:`action_statements` allow the action on ``resource``, no explicit Deny."""
    allowed = False
    for statement in statements:
        if not _covers_resource(statement, resource):
            continue
        if statement.get("Effect") == "Deny" and "Condition" not in statement:
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def resource_test(statements: Iterable[dict[str, Any]]) -> Callable[[str], bool]:
    """:func:`allows_on` of ``statements`` for resource after resource: each statement's Resource (or
    NotResource) patterns are read once and matched by one expression (the trust graph tries a
    principal's patterns on every role that trusts its account)."""
    compiled = []
    for statement in statements:
        negated = "Resource" not in statement
        patterns = tuple(_strings(statement.get("NotResource") if negated else statement["Resource"]))
        effect = statement.get("Effect")
        compiled.append((glob_any(patterns).fullmatch if patterns else None, negated,
                         effect == "Deny" and "Condition" not in statement, effect == "Allow"))

    def test(resource: str) -> bool:
        allowed = False
        for match, negated, denies, allows in compiled:
            if (match is not None and match(resource) is not None) is negated:  # not covered
                continue
            if denies:
                return False
            allowed = allowed or allows
        return allowed

    return test


def may_allow(statements: Iterable[dict[str, Any]]) -> bool:
    """Whether statements from :func:`action_statements` allow the action on some resource at all."""
    return any(s.get("Effect") == "Allow" for s in statements)


def allows(documents: Iterable[Any], action: str, resource: str) -> bool:
    """Whether the identity policies allow ``action`` on ``resource`` with no explicit Deny.

    Args:
        documents: decoded identity-policy documents.
        action: lower-cased action, e.g. ``sts:assumerole``.
        resource: the target ARN.
    """
    return allows_on(action_statements(documents, action), resource)
