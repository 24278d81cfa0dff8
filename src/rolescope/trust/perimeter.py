"""The data perimeter: which RCP statements bear on a role, and how they join its trust policy.

AWS evaluates an ``sts:AssumeRole*`` request against the role's trust policy *and* the RCPs attached
to the role's account at every level from the root down: every level must allow (``RCPFullAWSAccess``
is attached at every level and cannot be detached, and no other RCP may Allow, so only Denies can
decide) and an applicable Deny anywhere wins. RCPs do not apply to roles of the management account
or to service-linked roles. They do apply to requests by AWS service principals: AWS's own examples
keep services out with ``BoolIfExists aws:PrincipalIsAWSService false`` and confine them with
``Bool aws:PrincipalIsAWSService true`` + ``aws:SourceAccount`` (confused-deputy protection), and the
search solves that key like any other (services carry ``true``, IAM principals ``false``).

An RCP Deny statement names ``Principal: "*"``, the actions, the resources and conditions on the
caller: once its ``Resource`` and its resource-side conditions (``aws:ResourceTag/...``,
``aws:ResourceAccount``, ``aws:ResourceOrgID``, ``aws:ResourceOrgPaths``) are decided for the role
(they are known), it is exactly a trust-policy Deny. :func:`effective_trust` appends those Denies to
the trust policy, so the trust search solves the RCP's conditions on the caller (organisation, MFA,
ExternalId...) with the same engine, witnesses and example requests, and the analysis cache keys on
the effective document: roles under different perimeters never share an analysis by mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rolescope.inventory.model import JsonObject, Organization, OrgPolicy
from rolescope.policy.conditions import condition_holds
from rolescope.policy.control import ControlKind, ControlStatement
from rolescope.policy.model import Effect
from rolescope.policy.request import ASSUME_ACTIONS

RESOURCE_KEYS = ("aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths")
RESOURCE_TAG = "aws:resourcetag/"
PERIMETER_SID = re.compile(r"\A(?:rcp|scp):(.+):(\d+)\Z")
_RESOURCE_VARIABLE = re.compile(r"\$\{(aws:Resource(?:Account|OrgID|OrgPaths))\}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AppliedStatement:
    """An SCP or RCP statement and where it comes from."""

    policy: OrgPolicy
    attached_to: str
    statement: ControlStatement

    def evidence(self) -> dict[str, Any]:
        """The statement as finding evidence: policy id and name, attachment point, statement."""
        return {"policy_id": self.policy.policy_id, "policy_name": self.policy.name,
                "type": self.policy.kind.value, "attached_to": self.attached_to,
                "statement": self.statement.label, "document": self.statement.raw}


@dataclass(frozen=True, slots=True)
class RolePerimeter:
    """The RCPs that bear on one role.

    Attributes:
        considered: the RCPs attached at the role account's levels (policy ids), root first.
        exemption: why no RCP applies to the role at all (management account, service-linked role).
        denies: the RCP Deny statements whose resources and resource conditions cover the role.
    """

    considered: tuple[str, ...] = ()
    exemption: str | None = None
    denies: tuple[AppliedStatement, ...] = field(default=())

    @property
    def enforced(self) -> bool:
        return bool(self.denies)


NO_PERIMETER = RolePerimeter()


@dataclass(frozen=True, slots=True)
class RoleFacts:
    """What the perimeter reads of a role: its ARN, account, path and tags."""

    arn: str
    account_id: str
    path: str = "/"
    tags: tuple[tuple[str, str], ...] = ()


def attached(organization: Organization, account_id: str, kind: ControlKind) -> list[tuple[str, OrgPolicy]]:
    """The policies of ``kind`` attached at each level above and at the account, root first."""
    found = []
    for level in organization.levels(account_id):
        found += [(level, p) for p in organization.policies if p.kind is kind and level in p.targets]
    return found


def role_perimeter(organization: Organization | None, role: RoleFacts) -> RolePerimeter:
    """The RCP statements that decide requests to assume ``role`` (see the module's rules)."""
    if organization is None or not any(p.kind is ControlKind.RCP for p in organization.policies):
        return NO_PERIMETER
    if organization.accounts and role.account_id not in organization.account_ids:
        return NO_PERIMETER
    levels = attached(organization, role.account_id, ControlKind.RCP)
    considered = tuple(dict.fromkeys(p.policy_id for _, p in levels))
    if role.account_id == organization.management_account:
        return RolePerimeter(considered, "RCPs do not apply to the management account")
    if role.path.startswith("/aws-service-role/"):
        return RolePerimeter(considered, "RCPs do not apply to service-linked roles")
    context = resource_context(organization, role)
    denies = tuple(
        AppliedStatement(policy, level, statement)
        for level, policy in levels for statement in policy.document.statements
        if statement.effect is Effect.DENY and covers_assuming(statement, role.arn)
        and _resource_conditions_hold(statement, context)
    )
    return RolePerimeter(considered, None, denies)


def resource_context(organization: Organization, role: RoleFacts) -> dict[str, tuple[str, ...]]:
    """The resource-side condition keys of a request to assume ``role``: all known from the snapshot."""
    context: dict[str, tuple[str, ...]] = {"aws:resourceaccount": (role.account_id,)}
    if organization.org_id:
        context["aws:resourceorgid"] = (organization.org_id,)
    path = organization.org_path(role.account_id)
    if path:
        context["aws:resourceorgpaths"] = (path,)
    for key, value in resource_tags(role.tags).items():
        context[key] = (value,)
    return context


def resource_tags(tags: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """A role's tags as resource-side condition keys (``aws:resourcetag/<key>``, lower-cased; of two
    spellings of one key, the later wins)."""
    return {RESOURCE_TAG + key.lower(): value for key, value in tags}


def covers_assuming(statement: ControlStatement, arn: str) -> bool:
    """Whether an SCP or RCP statement's actions and resources cover assuming the role ``arn``."""
    return any(statement.covers(action, arn) for action in ASSUME_ACTIONS)


def _resource_side(key: str) -> bool:
    return key in RESOURCE_KEYS or key.startswith(RESOURCE_TAG)


def _resource_conditions_hold(statement: ControlStatement, context: dict[str, tuple[str, ...]]) -> bool:
    return all(condition_holds(c, context) for c in statement.conditions
               if _resource_side(c.key) and _caller_variable(c.operator_as_written, c.values, context, c.key) is None)


_SINGLE_VARIABLE = re.compile(r"\A\$\{([^},]+)\}\Z")


def _caller_variable(operator: str, values: Any, context: dict[str, tuple[str, ...]], key: str
                     ) -> tuple[str, str, str] | None:
    """A resource-side condition that compares the resource's value with a caller's key, as the same
    test written on the caller's key (``aws:ResourceOrgID == ${aws:PrincipalOrgID}`` is
    ``aws:PrincipalOrgID == <the role's organisation>``), which the trust search can solve; ``None`` when
    the condition is not of that kind (it is decided from the resource alone)."""
    listed = values if isinstance(values, list | tuple) else [values]
    present = context.get(key.lower())
    match = _SINGLE_VARIABLE.match(str(listed[0])) if len(listed) == 1 else None
    base = operator.removesuffix("IfExists")
    if match is None or present is None or len(present) != 1 or ":" in base or base not in _SYMMETRIC:
        return None
    variable = match.group(1).strip()
    if _resource_side(variable.lower()):
        return None
    return operator, variable, present[0]


_SYMMETRIC = frozenset({"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"})


def perimeter_statement(applied: AppliedStatement, context: dict[str, tuple[str, ...]]) -> JsonObject:
    """The RCP Deny as a trust-policy Deny for one role: resource conditions decided (they hold, or the
    statement would not apply), resource variables filled in."""
    return as_trust_deny(applied, applied.statement.raw.get("Principal", "*"), context, [])


def as_trust_deny(applied: AppliedStatement, principal: Any, context: dict[str, tuple[str, ...]],
                  scoping: list[tuple[str, str, str]]) -> JsonObject:
    """An SCP or RCP Deny as a trust-policy Deny naming ``principal``, its resource conditions decided
    and its resource variables filled in from ``context``, further limited by the ``scoping`` conditions
    (operator, key, value): who the control policy applies to."""
    raw = applied.statement.raw
    kind = "rcp" if applied.policy.kind is ControlKind.RCP else "scp"
    statement: JsonObject = {"Sid": f"{kind}:{applied.policy.policy_id}:{applied.statement.index}",
                             "Effect": "Deny", "Principal": principal}
    for element in ("Action", "NotAction"):
        if element in raw:
            statement[element] = raw[element]
    conditions: dict[str, dict[str, Any]] = {}
    for operator, entries in (raw.get("Condition") or {}).items():
        for key, values in entries.items():
            if not _resource_side(key.lower()):
                conditions.setdefault(operator, {})[key] = _fill(values, context)
                continue
            swapped = _caller_variable(operator, values, context, key)
            if swapped is not None:
                scoping = [swapped, *scoping]
    for operator, key, value in scoping:
        block = conditions.setdefault(operator, {})
        same = next((k for k in block if k.lower() == key.lower()), None)
        if same is None:
            block[key] = value
        elif "Not" in operator:  # a negated operator's values must all fail: one more is one more "and"
            existing = block[same]
            block[same] = [*(existing if isinstance(existing, list) else [existing]), value]
        else:  # the same test under a spelling of its own, so that the two are "and", not "or"
            conditions.setdefault(f"ForAnyValue:{operator}", {})[key] = value
    statement["Condition"] = conditions
    return statement


def _fill(values: Any, context: dict[str, tuple[str, ...]]) -> Any:
    def one(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return _RESOURCE_VARIABLE.sub(lambda m: (context.get(m.group(1).lower()) or (m.group(0),))[0], value)

    return [one(v) for v in values] if isinstance(values, list) else one(values)


def effective_trust(document: JsonObject, perimeter: RolePerimeter, context: dict[str, tuple[str, ...]]
                    ) -> JsonObject:
    """The trust policy with the perimeter's Denies appended (the trust statements keep their indexes)."""
    if not perimeter.denies:
        return document
    return with_statements(document, [perimeter_statement(applied, context) for applied in perimeter.denies])


def with_statements(document: JsonObject, extra: list[JsonObject]) -> JsonObject:
    """``document`` with the ``extra`` statements appended (its own keep their indexes)."""
    body = document.get("Statement")
    statements = [body] if isinstance(body, dict) else list(body) if isinstance(body, list) else []
    return {**document, "Statement": [*statements, *extra]}


def perimeter_origin(sid: str | None, perimeter: RolePerimeter) -> AppliedStatement | None:
    """The RCP statement an appended Deny stands for, from its Sid."""
    match = PERIMETER_SID.match(sid or "")
    if match is None:
        return None
    policy_id, index = match.group(1), int(match.group(2))
    return next((a for a in perimeter.denies
                 if a.policy.policy_id == policy_id and a.statement.index == index), None)


def sts_perimeter(organization: Organization) -> list[tuple[OrgPolicy, ControlStatement]]:
    """The organisation's RCP Deny statements on ``sts:AssumeRole*``: its perimeter for roles."""
    return [(policy, statement) for policy in organization.policies if policy.kind is ControlKind.RCP
            for statement in policy.document.statements
            if statement.effect is Effect.DENY and any(statement.covers_action(a) for a in ASSUME_ACTIONS)]


def left_out(organization: Organization, perimeter: RolePerimeter) -> list[tuple[OrgPolicy, ControlStatement]]:
    """The perimeter statements that do not cover this role (not attached above it, its Resource or a
    resource condition leaves it out, or the role is exempt)."""
    applied = {(a.policy.policy_id, a.statement.index) for a in perimeter.denies}
    return [(p, s) for p, s in sts_perimeter(organization) if (p.policy_id, s.index) not in applied]
