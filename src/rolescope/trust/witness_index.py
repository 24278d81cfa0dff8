"""Which callers a statement can apply to, found by lookup instead of by trying every caller.

A policy's witnesses grow with its statements (each principal and each account it names brings its
own), so trying every witness against every statement is quadratic in the statements. Most
statements name their principals one by one, or match a key the caller's identity fixes or shapes
(``"*"`` + ``aws:PrincipalAccount``, or + an ``aws:PrincipalArn`` pattern): an index by account,
ARN, service, and by what a key's value starts with, gives the few witnesses they can apply to. The
index only narrows; :func:`statement_covers` and the search still decide.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from rolescope.policy.evaluate import statement_covers
from rolescope.policy.glob import Pattern
from rolescope.policy.model import Condition, Effect, Principal, PrincipalKind, PrincipalType, Statement
from rolescope.policy.qualifier import Qualifier
from rolescope.trust.keyspace import Presence
from rolescope.trust.witness import CallerWitness

_SESSION_KINDS = (PrincipalKind.ASSUMED_ROLE, PrincipalKind.FEDERATED_USER)
_MATCHING = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike"})
_FEDERATED_KINDS = (PrincipalKind.SAML_PROVIDER, PrincipalKind.OIDC_PROVIDER, PrincipalKind.PUBLIC_IDP)


class WitnessIndex:
    """The witnesses of one policy, indexed by what a Principal element or a pinned key can name,
    with the Deny statements that cover each."""

    def __init__(self, witnesses: Sequence[CallerWitness], statements: Iterable[Statement]) -> None:
        self.witnesses = witnesses
        # Witnesses are compared by identity: equal callers may carry different specs.
        self._position = {id(w): i for i, w in enumerate(witnesses)}
        self._aws: list[int] = []
        self._by_account: dict[str, list[int]] = defaultdict(list)
        self._by_arn: dict[str, list[int]] = defaultdict(list)
        self._by_session: dict[str, list[int]] = defaultdict(list)
        self._by_unique_id: dict[str, list[int]] = defaultdict(list)
        self._by_name: dict[tuple[PrincipalType, str], list[int]] = defaultdict(list)
        self._by_origin: dict[str, list[int]] = defaultdict(list)
        for i, witness in enumerate(witnesses):
            caller = witness.caller
            self._by_origin[witness.origin].append(i)
            if caller.type is PrincipalType.AWS:
                self._aws.append(i)
                self._by_account[caller.account or ""].append(i)
                self._by_arn[caller.arn.lower()].append(i)
                if caller.session_arn is not None:
                    self._by_session[caller.session_arn.lower()].append(i)
                if caller.unique_id is not None:
                    self._by_unique_id[caller.unique_id].append(i)
            else:
                self._by_name[caller.type, caller.arn.lower()].append(i)
        # Only a few keys are ever fixed or shaped by an identity (aws:PrincipalAccount,
        # aws:PrincipalArn...): indexing others would cost a pass over the witnesses and narrow nothing.
        self._shaped = {key for w in witnesses for key, spec in w.specs.items()
                        if spec.fixed is not None or any(must for _, must in spec.shapes)}
        self._by_key: dict[str, _KeyIndex] = {}
        self._denies = self._covering_denies(statements)

    def covered(self, statement: Statement) -> list[CallerWitness]:
        """The witnesses, in their order, that the statement's Principal and Action cover, less those
        whose identity rules out one of its plain matching conditions (``StringEquals``, ``StringLike``,
        ``ArnEquals``, ``ArnLike`` on a key such as ``aws:PrincipalArn``): the search would find no
        request from them."""
        matching = [c for c in statement.conditions if _matches_values(c)]
        # Start from the smallest set that holds every covered witness; each narrower one replaces it.
        candidates: Sequence[int] = range(len(self.witnesses))
        if statement.principals is not None:
            candidates = self._union(self._named_by(p) for p in statement.principals)
        for condition in matching:
            if condition.key in self._shaped:
                narrower = self._key_index(condition.key).agreeing(condition, len(candidates))
                if narrower is not None:
                    candidates = narrower
        pinning = [c for c in matching if c.operator == "StringEquals"]
        witnesses = (self.witnesses[i] for i in candidates)
        return [w for w in witnesses
                if all(_may_hold(c, w) for c in pinning) and statement_covers(statement, w.caller, w.action)]

    @staticmethod
    def _union(parts: Iterable[Sequence[int]]) -> Sequence[int]:
        parts = [part for part in parts if part]
        if len(parts) == 1:
            return parts[0]  # already in order
        return sorted({i for part in parts for i in part})

    def denies_for(self, witness: CallerWitness) -> list[Statement]:
        """The Deny statements whose Principal and Action cover ``witness`` (one of the indexed)."""
        return self._denies[self._position[id(witness)]]

    def _covering_denies(self, statements: Iterable[Statement]) -> list[list[Statement]]:
        found: list[list[Statement]] = [[] for _ in self.witnesses]
        for statement in statements:
            if statement.effect is not Effect.DENY:
                continue
            candidates: Sequence[int] = range(len(self.witnesses))
            if statement.principals is not None:
                candidates = self._union(self._named_by(p) for p in statement.principals)
            for i in candidates:
                witness = self.witnesses[i]
                if statement_covers(statement, witness.caller, witness.action):
                    found[i].append(statement)
        return found

    def realising(self, origin: str) -> list[CallerWitness]:
        """The witnesses that stand for the policy principal written ``origin``."""
        return [self.witnesses[i] for i in self._by_origin.get(origin, ())]

    def _named_by(self, principal: Principal) -> Sequence[int]:
        """A superset of the witnesses :func:`~rolescope.policy.evaluate.principal_matches` accepts."""
        kind = principal.kind
        if kind is PrincipalKind.ANYONE:
            return range(len(self.witnesses)) if principal.type is PrincipalType.ANY else self._aws
        if kind is PrincipalKind.ACCOUNT:
            return self._by_account.get(principal.account or "", ())
        if kind in (PrincipalKind.ROLE, PrincipalKind.USER):
            return self._by_arn.get((principal.arn or "").lower(), ())
        if kind in _SESSION_KINDS:
            return self._by_session.get((principal.arn or "").lower(), ())
        if kind is PrincipalKind.UNIQUE_ID:
            return self._by_unique_id.get(principal.value, ())
        if kind is PrincipalKind.SERVICE:
            return self._by_name.get((PrincipalType.SERVICE, principal.value.lower()), ())
        if kind in _FEDERATED_KINDS:
            return self._by_name.get((PrincipalType.FEDERATED, principal.value.lower()), ())
        return ()

    def _key_index(self, key: str) -> _KeyIndex:
        found = self._by_key.get(key)
        if found is None:
            found = self._by_key[key] = _KeyIndex(self.witnesses, key)
        return found


class _KeyIndex:
    """The witnesses by what their identity says a key's value starts with: all of it when it fixes
    the value, the literal start of a shape the value must match (``arn:aws:iam::ACCOUNT:``), else
    nothing (free); those that must not carry the key are left out."""

    def __init__(self, witnesses: Sequence[CallerWitness], key: str) -> None:
        self.free: list[int] = []
        self.by_prefix: dict[str, list[int]] = defaultdict(list)
        for i, witness in enumerate(witnesses):
            spec = witness.spec(key)
            shapes = [shape for shape, must in spec.shapes if must]
            if spec.fixed is not None:
                self.by_prefix[spec.fixed.lower()].append(i)
            elif shapes:
                self.by_prefix[_pattern_prefix(shapes[0])].append(i)
            elif spec.presence is not Presence.ABSENT:
                self.free.append(i)
        self.prefixes = sorted(self.by_prefix)

    def agreeing(self, condition: Condition, limit: int) -> list[int] | None:
        """The witnesses whose value may match one of ``condition``'s values (a superset: the literal
        starts agree), or ``None`` when there are more than ``limit`` of them."""
        found = set(self.free)
        for value in set(condition.values):
            start = (value if condition.operator == "StringEquals" else re.split(r"[*?]", value, maxsplit=1)[0]).lower()
            for end in range(len(start) + 1):  # a witness's start that is a start of the value's
                found.update(self.by_prefix.get(start[:end], ()))
            position = bisect.bisect_left(self.prefixes, start)  # and those the value's start begins
            while position < len(self.prefixes) and self.prefixes[position].startswith(start):
                found.update(self.by_prefix[self.prefixes[position]])
                position += 1
                if len(found) > limit:
                    return None
        return sorted(found) if len(found) <= limit else None


def _pattern_prefix(pattern: Pattern) -> str:
    """The literal start of a compiled wildcard pattern, lower-cased."""
    start = []
    for token in pattern.tokens:
        lowered = {c.lower() for c in token.chars} if token.chars is not None and not token.star else set()
        if len(lowered) != 1:
            break
        start.append(lowered.pop())
    return "".join(start)


def _may_hold(condition: Condition, witness: CallerWitness) -> bool:
    spec = witness.spec(condition.key)
    if spec.fixed is not None:
        return spec.fixed in condition.values
    return spec.presence is not Presence.ABSENT


def _matches_values(condition: Condition) -> bool:
    """A plain matching condition: true only when the key is present and its one value matches one
    of the listed values (``StringEquals`` exactly; the others as wildcard patterns)."""
    return (condition.operator in _MATCHING and condition.qualifier is Qualifier.NONE
            and not condition.if_exists and not condition.variables)
