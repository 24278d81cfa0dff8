"""Whether an identity policy lets its holder call an action on a resource (for the trust graph).

Conditions are not evaluated: the graph shows who *could* make the call, the conservative reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rolescope.policy.glob import glob_match

# AWS managed policies whose documents GAAD does not include, by what they allow of STS.
AWS_MANAGED_ALLOWING_STS = frozenset({"AdministratorAccess", "PowerUserAccess"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _statements(document: Any) -> list[dict[str, Any]]:
    body = document.get("Statement") if isinstance(document, dict) else None
    items = [body] if isinstance(body, dict) else body if isinstance(body, list) else []
    return [s for s in items if isinstance(s, dict)]


def _covers(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        if not any(glob_match(a.lower(), action) for a in _strings(statement["Action"])):
            return False
    elif any(glob_match(a.lower(), action) for a in _strings(statement.get("NotAction"))):
        return False
    if "Resource" in statement:
        return any(glob_match(r, resource) for r in _strings(statement["Resource"]))
    return not any(glob_match(r, resource) for r in _strings(statement.get("NotResource")))


def allows(documents: Iterable[Any], action: str, resource: str) -> bool:
    """Whether the identity policies allow ``action`` on ``resource`` with no explicit Deny.

    Args:
        documents: decoded identity-policy documents.
        action: lower-cased action, e.g. ``sts:assumerole``.
        resource: the target ARN.
    """
    allowed = False
    for document in documents:
        for statement in _statements(document):
            if not _covers(statement, action, resource):
                continue
            if statement.get("Effect") == "Deny" and "Condition" not in statement:
                return False
            if statement.get("Effect") == "Allow":
                allowed = True
    return allowed
