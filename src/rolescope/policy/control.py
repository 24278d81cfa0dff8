"""Organisation control policies (SCPs and RCPs), parsed once into immutable objects.

They differ from trust policies in the elements they take: an RCP names ``Principal: "*"`` and the
resources it covers (``Resource``/``NotResource``); an SCP has no ``Principal`` and names resources.
Actions and conditions are read exactly as in a trust policy (the same helpers), so the trust search
solves an RCP's conditions with the same engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rolescope.policy.evaluate import action_matches
from rolescope.policy.glob import glob_match
from rolescope.policy.model import Condition, Effect
from rolescope.policy.parse import _actions, _conditions, _string_list, read_sid, read_top_level


class ControlKind(StrEnum):
    """The two organisation policy types that bear on ``sts:AssumeRole*``, as Organizations names them."""

    SCP = "SERVICE_CONTROL_POLICY"
    RCP = "RESOURCE_CONTROL_POLICY"


_STATEMENT_KEYS = {
    ControlKind.SCP: frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}),
    ControlKind.RCP: frozenset({"Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "NotResource",
                                "Condition"}),
}


@dataclass(frozen=True, slots=True)
class ControlStatement:
    """One statement of an SCP or RCP: ``resources`` is ``None`` when it uses ``NotResource``, ``actions``
    ``None`` when it uses ``NotAction`` (actions lower-cased)."""

    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def label(self) -> str:
        return f"Statement[{self.index}]" + (f" ({self.sid})" if self.sid else "")

    def covers_action(self, action: str) -> bool:
        """Whether the statement's Action/NotAction covers ``action``."""
        if self.actions is not None:
            return action_matches(self.actions, action)
        return not action_matches(self.not_actions or (), action)

    def covers(self, action: str, resource: str) -> bool:
        """Whether the statement's Action/NotAction and Resource/NotResource cover the request."""
        if not self.covers_action(action):
            return False
        if self.resources is not None:
            return any(glob_match(pattern, resource) for pattern in self.resources)
        return not any(glob_match(pattern, resource) for pattern in self.not_resources or ())


@dataclass(frozen=True, slots=True)
class ControlDocument:
    """A parsed SCP or RCP document."""

    kind: ControlKind
    statements: tuple[ControlStatement, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


def unallowed_actions(statements: Iterable[ControlStatement], actions: Iterable[str], resource: str) -> list[str]:
    """The ``actions`` on ``resource`` that no Allow among ``statements`` covers: what one level of SCPs
    keeps from its principals (every level from the root down must Allow).

    A conditional Allow counts as allowing: whether its conditions hold depends on the request, and
    reading it as a Deny would report denials that may never happen.
    """
    allows = [s for s in statements if s.effect is Effect.ALLOW]
    return [a for a in actions if not any(s.covers(a, resource) for s in allows)]


def parse_control_policy(document: str | bytes | Mapping[str, Any], kind: ControlKind) -> ControlDocument:
    """Parse an SCP or RCP from JSON text or a decoded object.

    Args:
        document: the policy (``DescribePolicy``'s ``Content``, or the JSON a user wrote).
        kind: which type it is: the elements allowed differ.

    Raises:
        PolicyError: the document is not a policy of that type AWS Organizations would accept; the
            message names the statement and element.
    """
    raw, version, items = read_top_level(document)
    statements = tuple(_statement(index, item, kind, version == "2012-10-17") for index, item in enumerate(items))
    return ControlDocument(kind, statements, raw)


def _statement(index: int, item: Any, kind: ControlKind, variables: bool) -> ControlStatement:
    sid, fail = read_sid(index, item)
    unknown = set(item) - _STATEMENT_KEYS[kind]
    if unknown:
        name = str(sorted(unknown, key=str)[0])
        why = "an SCP applies to the account's own principals and names none" if name == "Principal" else ""
        raise fail(f"unknown or prohibited element{': ' + why if why else ''}", name)
    if item.get("Effect") not in ("Allow", "Deny"):
        raise fail(f"Effect must be \"Allow\" or \"Deny\", not {item.get('Effect')!r}", "Effect")
    if kind is ControlKind.RCP and item.get("Principal") != "*" and item.get("Principal") != {"AWS": "*"}:
        raise fail("an RCP statement's Principal must be \"*\"", "Principal")
    if ("Action" in item) == ("NotAction" in item):
        raise fail("a statement needs exactly one of Action and NotAction", "Action")
    actions = _actions(item["Action"], lambda m: fail(m, "Action")) if "Action" in item else None
    not_actions = _actions(item["NotAction"], lambda m: fail(m, "NotAction")) if "NotAction" in item else None
    if "Resource" in item and "NotResource" in item:
        raise fail("a statement takes at most one of Resource and NotResource", "Resource")
    resources: tuple[str, ...] | None = ("*",)  # an SCP statement without Resource covers every resource
    not_resources = None
    if "Resource" in item:
        resources = tuple(_string_list(item["Resource"], "Resource", lambda m: fail(m, "Resource")))
    elif "NotResource" in item:
        resources = None
        not_resources = tuple(_string_list(item["NotResource"], "NotResource", lambda m: fail(m, "NotResource")))
    elif kind is ControlKind.RCP:
        raise fail("an RCP statement needs Resource or NotResource", "Resource")
    conditions = _conditions(item.get("Condition"), variables, lambda m: fail(m, "Condition"))
    return ControlStatement(index, sid, Effect(item["Effect"]), actions, not_actions, resources, not_resources,
                            conditions, item)
