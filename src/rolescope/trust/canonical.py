"""Sharing one trust analysis among documents that differ only in names the verdicts cannot see.

Organisations stamp a few trust-policy templates into every account: the same service trust with
``aws:SourceAccount`` set to the role's own account, the same EKS trust with another service account
as its subject, the same vendor trust with another ExternalId. The search reads

* the role's own account only through equality with the accounts it meets (when no condition reads
  the caller's account: ``aws:PrincipalAccount``/``aws:PrincipalArn``), and
* the literal values of the condition keys in :data:`RENAMEABLE` only through equality (when every
  condition on the key is a plain string/ARN equality or ``Null``, without wildcards, policy
  variables, account ids other than the role's own, or search-reserved characters),

so two such documents have analyses that are renamings of each other. :func:`template` reduces a
policy (and the role's zone) to a hashable key and the values it abstracted; :func:`instantiate`
renames an analysis computed for one member of the key to another member. Everything else (which
accounts a policy names, how they sort against the role's own, which representatives of unnamed
accounts the search tries, the organisation) is part of the key, so a rename never changes a
verdict, a path or an example beyond the renamed values themselves.

``tests/trust/test_canonical.py`` checks the renamed analyses against direct ones.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Hashable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from rolescope.policy.model import Condition, PolicyDocument, Principal
from rolescope.policy.qualifier import Qualifier
from rolescope.policy.request import Request
from rolescope.trust.accounts import ACCOUNT_KEYS
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.witness import Zone, member_representatives, mentioned_accounts, unnamed_classes

# Condition keys whose literal values the search only compares for equality (no caller identity
# fixes them): ExternalIds, source ARNs, SAML and OIDC claims (keys outside the AWS prefixes).
RENAMEABLE = frozenset({"sts:externalid", "aws:sourcearn"})
_AWS_PREFIXES = ("aws:", "sts:", "saml:", "iam:")
_EQUALITY = frozenset({"StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
                       "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})
_ARN_FAMILY = frozenset({"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})
_RESERVED = re.compile("[\ue000-\uf8ff*?]|\\$\\{")  # search markers, wildcards, policy variables
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_OWN = "\ue0f0"  # stands for the role's own account in keys
_VALUE = "\ue0f1"  # stands for a renamed value in keys
_TOP = "999999999000"  # the search's representatives of unnamed accounts come from above here


@dataclass(frozen=True, slots=True)
class Template:
    """A policy in a zone, reduced to what its analysis depends on.

    Attributes:
        key: equal for two (policy, zone) pairs exactly when one's analysis renames to the other's.
        own: the role's own account when it was abstracted, else ``None``.
        values: the abstracted literal values, in the order their placeholders were handed out.
        keys: the condition keys whose values were abstracted.
    """

    key: Hashable
    own: str | None
    values: tuple[str, ...]
    keys: frozenset[str]


def _renameable_key(key: str) -> bool:
    return key in RENAMEABLE or key.startswith("saml:") or not key.startswith(_AWS_PREFIXES)


@lru_cache(maxsize=65536)
def _read(value: str) -> tuple[bool, tuple[str, ...]]:
    """Whether ``value`` holds anything the search reads beyond equality, and the account ids in it."""
    return not value or _RESERVED.search(value) is not None, tuple(_ACCOUNT.findall(value))


def _literal(condition: Condition, value: str, own: str | None) -> bool:
    """Whether ``value`` of ``condition`` can be abstracted: equality semantics, nothing the search reads."""
    reserved, accounts = _read(value)
    if reserved or any(account != own for account in accounts):
        return False
    # ArnLike never matches a value of two to five parts: not plain equality there.
    return condition.operator not in _ARN_FAMILY or not 0 < value.count(":") < 5


def _renameable_keys(policy: PolicyDocument, own: str | None) -> set[str]:
    by_key: dict[str, list[Condition]] = {}
    for statement in policy.statements:
        for condition in statement.conditions:
            by_key.setdefault(condition.key, []).append(condition)
    found = set()
    for key, conditions in by_key.items():
        if not _renameable_key(key):
            continue
        if all(
            c.qualifier is Qualifier.NONE and not c.variables and (
                c.operator == "Null" or (c.operator in _EQUALITY and all(_literal(c, v, own) for v in c.values))
            )
            for c in conditions
        ):
            found.add(key)
    return found


class ZoneShapes:
    """Per zone, what the search makes of the accounts a policy names (memoised: few distinct sets)."""

    def __init__(self) -> None:
        self._found: dict[tuple[Zone, frozenset[str]], Hashable] = {}

    def shape(self, zone: Zone, named: frozenset[str]) -> Hashable:
        """The zone as the search sees it with ``named`` (the other accounts the policy mentions)."""
        found = self._found.get((zone, named))
        if found is None:
            accounts = named | {zone.account_id}
            org = zone.org_accounts
            members = None
            if zone.org_id and org is not None:
                members = member_representatives((), accounts, org)
            found = (
                zone.partition,
                zone.org_id,
                org is None,
                tuple(sorted((a, org is not None and a in org) for a in named)),
                sum(1 for a in named if a < zone.account_id),  # where the own account sorts among them
                unnamed_classes((), accounts, zone),  # what the search itself uses
                members,
            )
            self._found[(zone, named)] = found
        return found


def template(policy: PolicyDocument, zone: Zone, shapes: ZoneShapes) -> Template | None:
    """The template of ``policy`` in ``zone``, or ``None`` when nothing can be abstracted safely.

    Args:
        policy: the parsed trust policy.
        zone: the role's account and organisation.
        shapes: the memo of zone shapes (one per scan).
    """
    own: str | None = zone.account_id
    if policy.version == "2012-10-17" and any(c.variables for s in policy.statements for c in s.conditions):
        return None
    if own is None or own >= _TOP or any(c.key in ACCOUNT_KEYS for s in policy.statements for c in s.conditions):
        own = None
    named = frozenset(mentioned_accounts(policy))
    if own is not None and any(own in text and _ACCOUNT.sub("", text).count(own) for text in _texts(policy)):
        own = None  # the account's digits appear elsewhere than as an account id: keep it literal
    renameable = _renameable_keys(policy, own)
    if own is None and not renameable:
        return None
    values: dict[str, int] = {}

    def text(value: str) -> str:
        if own is None or own not in value:
            return value
        return _ACCOUNT.sub(lambda m: _OWN if m.group(0) == own else m.group(0), value)

    def condition_key(condition: Condition) -> tuple[Any, ...]:
        shown: tuple[Any, ...]
        if condition.key in renameable and condition.operator != "Null":
            shown = tuple(
                (_VALUE, values.setdefault(v, len(values)), min(v.count(":"), 5)) for v in condition.values
            )
        else:
            shown = tuple(text(v) for v in condition.values)
        return (condition.operator, condition.qualifier, condition.if_exists, condition.key, condition.variables,
                shown)

    def principals(found: frozenset[Principal] | None) -> frozenset[tuple[str, str]] | None:
        return None if found is None else frozenset((p.type.value, text(p.value)) for p in found)

    statements = tuple(
        (s.index, s.sid, s.effect, principals(s.principals), principals(s.not_principals), s.actions, s.not_actions,
         tuple(condition_key(c) for c in s.conditions))
        for s in policy.statements
    )
    others = named - {zone.account_id} if own is not None else named
    shape = shapes.shape(zone, frozenset(others)) if own is not None else (zone,)
    return Template((policy.version, statements, shape), own, tuple(values), frozenset(renameable))


def _texts(policy: PolicyDocument) -> list[str]:
    """Every text of the policy in which an account id may stand; Sids and condition keys count as
    longer numbers (the search never reads an account there, so the own account must not be in them)."""
    found = []
    for statement in policy.statements:
        for principal in (statement.principals or frozenset()) | (statement.not_principals or frozenset()):
            found.append(principal.value)
        if statement.sid:
            found.append(f"0{statement.sid}0")
        for condition in statement.conditions:
            found.extend(condition.values)
            found.append(f"0{condition.key}0")
    return found


class _Renamer:
    """Renames the own account (as a whole twelve-digit id) everywhere, and abstracted values in the
    request contexts of the keys they were abstracted from."""

    def __init__(self, source: Template, target: Template) -> None:
        self.source_own = source.own if source.own and source.own != target.own else None
        self.own = re.compile(rf"(?<!\d){source.own}(?!\d)") if self.source_own else None
        self.target_own = target.own or ""
        self.values = {a: b for a, b in zip(source.values, target.values, strict=True) if a != b}
        self.keys = source.keys

    @property
    def idle(self) -> bool:
        return self.own is None and not self.values

    def text(self, value: str) -> str:
        if self.own is None or self.source_own not in value:  # type: ignore[operator]
            return value
        return self.own.sub(self.target_own, value)

    def context_value(self, key: str, value: str) -> str:
        if key in self.keys and value in self.values:
            return self.values[value]
        return self.text(value)

    def any(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self.text(value)
        if kind is tuple:
            return tuple([self.any(v) for v in value])
        if kind in _KEPT or value is None or isinstance(value, Enum):
            return value
        if kind is Request:
            return Request(
                self.any(value.caller), value.action,
                {k: tuple([self.context_value(k, v) for v in values]) for k, values in value.context.items()},
            )
        if kind is list:
            return [self.any(v) for v in value]
        if kind is frozenset:
            return frozenset(self.any(v) for v in value)
        if kind is dict:
            return {k: self.any(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return kind(**{name: self.any(getattr(value, name)) for name in _init_fields(kind)})
        raise TypeError(f"cannot rename inside {kind.__name__}")  # a new kind of field: teach it here


_KEPT = frozenset({bool, int, float})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _init_fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        if any(not f.init for f in fields):
            raise TypeError(f"cannot rebuild {cls.__name__}: it has fields outside __init__")
        names = _FIELDS[cls] = tuple(f.name for f in fields)
    return names


def instantiate(analysis: TrustAnalysis, source: Template, target: Template, policy: PolicyDocument,
                zone: Zone) -> TrustAnalysis:
    """``analysis`` (of ``source``'s policy) renamed to ``target``'s policy and zone.

    Args:
        analysis: the analysis computed for the policy ``source`` was taken from.
        source: that policy's template.
        target: the template of ``policy`` in ``zone``; its key equals ``source``'s.
        policy: the policy the result is about.
        zone: its zone.
    """
    renamer = _Renamer(source, target)
    if renamer.idle:
        return dataclasses.replace(analysis, policy=policy, zone=zone)
    changes = {name: renamer.any(getattr(analysis, name))
               for name in _init_fields(type(analysis)) if name not in ("policy", "zone")}
    return dataclasses.replace(analysis, policy=policy, zone=zone, **changes)
