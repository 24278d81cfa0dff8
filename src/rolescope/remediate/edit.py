"""Edits on a trust policy's JSON that can only narrow it: add a condition, move principals into a
statement of their own, drop a principal, tighten one condition.

Every function works on the decoded document (``dict``), in place, on a copy the caller owns
(:func:`copy_document`). Everything an edit does not touch (key order, Sids, value shapes) is kept,
so the diff a reviewer reads shows only the change.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from rolescope.remediate.errors import Unfixable

JsonObject = dict[str, Any]
PrincipalEntry = tuple[str, str]  # (element key: "AWS"/"Service"/"Federated"/"CanonicalUser" or "*", value)
_SID = re.compile(r"[^A-Za-z0-9]")


def copy_document(document: JsonObject) -> JsonObject:
    """A deep copy to edit."""
    return copy.deepcopy(document)


def statements(document: JsonObject) -> list[JsonObject]:
    """The statements as a list, turning a lone ``"Statement": {...}`` into a one-element list in place."""
    body = document["Statement"]
    if isinstance(body, dict):
        document["Statement"] = [body]
        return document["Statement"]  # type: ignore[no-any-return]
    return body  # type: ignore[no-any-return]


def statement(document: JsonObject, index: int) -> JsonObject:
    """Statement ``index`` as the parser numbers it."""
    body = document["Statement"]
    if isinstance(body, dict):
        if index != 0:
            raise IndexError(index)
        return body
    return body[index]  # type: ignore[no-any-return]


def principal_entries(raw: JsonObject) -> list[PrincipalEntry]:
    """The ``Principal`` element of a statement as ``(key, value)`` pairs; ``"*"`` is ``("*", "*")``."""
    principal = raw.get("Principal")
    if principal == "*":
        return [("*", "*")]
    entries: list[PrincipalEntry] = []
    for key, values in (principal or {}).items():
        for value in [values] if isinstance(values, str) else values:
            entries.append((key, value))
    return entries


def _principal_element(entries: list[PrincipalEntry], shapes: JsonObject) -> Any:
    """Rebuild a ``Principal`` element, keeping a key's string-vs-list shape from ``shapes``."""
    if entries == [("*", "*")]:
        return "*"
    element: JsonObject = {}
    for key, value in entries:
        element.setdefault(key, []).append(value)
    for key, values in element.items():
        if len(values) == 1 and isinstance(shapes.get(key), str | None):
            element[key] = values[0]
    return element


def isolate(document: JsonObject, index: int, chosen: Callable[[str, str], bool], label: str) -> int:
    """Make the principals ``chosen`` picks in statement ``index`` the only ones of a statement.

    When the statement names other principals too, it is split: the chosen principals move to a
    copy inserted right after it (same effect, actions and conditions, a fresh Sid when the
    original has one), so that a condition added for them leaves the others' access as it was.

    Args:
        document: the policy, edited in place.
        index: the statement (parser numbering).
        chosen: ``chosen(key, value)`` for each principal entry.
        label: suffix for the new statement's Sid (letters and digits).

    Returns:
        The index of the statement that now holds exactly the chosen principals.

    Raises:
        Unfixable: the statement names none of them.
    """
    raw = statement(document, index)
    entries = principal_entries(raw)
    picked = [e for e in entries if chosen(*e)]
    if not picked:
        raise Unfixable(f"Statement[{index}] names none of the principals to constrain")
    if len(picked) == len(entries):
        return index
    shapes = raw["Principal"] if isinstance(raw["Principal"], dict) else {}
    rest = [e for e in entries if not chosen(*e)]
    moved = copy.deepcopy(raw)
    moved["Principal"] = _principal_element(picked, shapes)
    raw["Principal"] = _principal_element(rest, shapes)
    if isinstance(raw.get("Sid"), str):
        moved["Sid"] = unique_sid(document, f"{raw['Sid']}{label}")
    statements(document).insert(index + 1, moved)
    return index + 1


def unique_sid(document: JsonObject, wanted: str) -> str:
    """``wanted`` (letters and digits only, as IAM requires), numbered if another statement has it."""
    base = _SID.sub("", wanted) or "Statement"
    taken = {s.get("Sid") for s in statements(document)}
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    return candidate


def _values(value: Any) -> list[str]:
    listed = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in listed]


def add_condition(raw: JsonObject, operator: str, key: str, values: list[str]) -> bool:
    """Require ``operator key values`` in one statement, beside (AND) its other conditions.

    Returns:
        ``True`` when the statement changed, ``False`` when it already had exactly this condition.

    Raises:
        Unfixable: the statement tests the same key with the same operator and other values;
            rolescope never rewrites a condition someone wrote.
    """
    block = raw.setdefault("Condition", {})
    if not isinstance(block, dict):
        raise Unfixable("the statement's Condition element is not an object")
    operator_block = next((v for k, v in block.items() if k.lower() == operator.lower()), None)
    if operator_block is None:
        operator_block = block[operator] = {}
    if not isinstance(operator_block, dict):
        raise Unfixable(f"the statement's {operator} block is not an object")
    existing = next((k for k in operator_block if k.lower() == key.lower()), None)
    if existing is not None:
        if sorted(_values(operator_block[existing])) == sorted(values):
            return False
        raise Unfixable(f"the statement already tests {existing} with {operator} and other values; "
                        "change it by hand")
    operator_block[key] = values[0] if len(values) == 1 else list(values)
    return True


def remove_condition(raw: JsonObject, operator_as_written: str, key: str) -> None:
    """Drop ``key`` from the ``operator_as_written`` block (and the block, then ``Condition``, when empty)."""
    block = raw.get("Condition") or {}
    name = next((k for k in block if k.lower() == operator_as_written.lower()), None)
    if name is None:
        return
    operator_block = block[name]
    for existing in [k for k in operator_block if k.lower() == key.lower()]:
        del operator_block[existing]
    if not operator_block:
        del block[name]
    if not block:
        raw.pop("Condition", None)


def remove_principals(document: JsonObject, index: int, doomed: Callable[[str, str], bool]) -> bool:
    """Drop the principals ``doomed`` picks from statement ``index``; drop the statement when none remain.

    Returns:
        ``True`` when the whole statement was removed.

    Raises:
        Unfixable: removing them would leave the policy without a statement.
    """
    raw = statement(document, index)
    entries = principal_entries(raw)
    rest = [e for e in entries if not doomed(*e)]
    if rest:
        raw["Principal"] = _principal_element(rest, raw["Principal"] if isinstance(raw["Principal"], dict) else {})
        return False
    listed = statements(document)
    if len(listed) == 1:
        raise Unfixable("the statement is the policy's only one; a trust policy cannot be empty "
                        "(delete the role, or name the principal that should have access)")
    del listed[index]
    return True
