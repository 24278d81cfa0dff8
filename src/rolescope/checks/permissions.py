"""Does a role's permission set amount to administrative power? (AdministratorAccess and its kin.)"""

from __future__ import annotations

from typing import Any

from rolescope.inventory.model import AccountSnapshot, Role
from rolescope.policy.glob import FRESH, glob_match

PRIVILEGED_MANAGED = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})
# A pattern that matches this matches every IAM action, whatever its name.
_ANY_IAM_ACTION = f"iam:{FRESH}"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _grants_admin(document: dict[str, Any]) -> str | None:
    statements = document.get("Statement")
    items = [statements] if isinstance(statements, dict) else statements if isinstance(statements, list) else []
    for statement in items:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        # Most statements name their resources: told apart without copying the list (JSON values
        # other than the string "*" never equal it).
        resource = statement.get("Resource")
        if resource != "*" and not (isinstance(resource, list) and "*" in resource) and "NotResource" not in statement:
            continue
        if "Action" in statement:
            actions = [a.lower() for a in _as_list(statement["Action"])]
            if "*" in actions:
                return "* on *"
            if any(glob_match(a, _ANY_IAM_ACTION) for a in actions):
                return "iam:* on *"
        else:
            excluded = [a.lower() for a in _as_list(statement.get("NotAction"))]
            if "*" not in excluded:
                return "every action but " + ", ".join(excluded) + " (NotAction) on *"
    return None


def privileged_grants(role: Role, snapshot: AccountSnapshot | None) -> list[str]:
    """The attachments that make ``role`` an administrator, as short descriptions.

    Args:
        role: the role.
        snapshot: its account's snapshot, to read customer-managed policy documents.

    Returns:
        e.g. ``["AdministratorAccess (AWS managed)", "inline policy ci: * on *"]``; empty when none.
    """
    grants = []
    for ref in role.attached_policies:
        if ref.aws_managed and ref.name in PRIVILEGED_MANAGED:
            grants.append(f"{ref.name} (AWS managed)")
            continue
        managed = snapshot.policy(ref.arn) if snapshot else None
        if managed is not None and managed.document is not None:
            what = _grants_admin(managed.document)
            if what:
                grants.append(f"managed policy {ref.name}: {what}")
    for inline in role.inline_policies:
        what = _grants_admin(inline.document)
        if what:
            grants.append(f"inline policy {inline.name}: {what}")
    return grants
