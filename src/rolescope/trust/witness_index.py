"""Which callers a statement can apply to, found by lookup instead of by trying every caller.

A policy's witnesses grow with its statements (each principal and each account it names brings its
own), so trying every witness against every statement is quadratic in the statements. Most
statements name their principals one by one, or pin a key the caller's identity fixes
(``"*"`` + ``aws:PrincipalAccount``): an index by account, ARN, service and fixed key value gives the
few witnesses they can apply to. The index only narrows; :func:`statement_covers` still decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from rolescope.policy.evaluate import statement_covers
from rolescope.policy.model import Condition, Effect, Principal, PrincipalKind, PrincipalType, Statement
from rolescope.policy.qualifier import Qualifier
from rolescope.trust.keyspace import Presence
from rolescope.trust.witness import CallerWitness

_SESSION_KINDS = (PrincipalKind.ASSUMED_ROLE, PrincipalKind.FEDERATED_USER)
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
        # Only a few keys are ever fixed by an identity (aws:PrincipalAccount, aws:PrincipalArn...):
        # indexing others would cost a pass over the witnesses per key and narrow nothing.
        self._fixable = {key for w in witnesses for key, spec in w.specs.items() if spec.fixed is not None}
        self._pinned: dict[str, tuple[dict[str, list[int]], list[int]]] = {}
        self._denies = self._covering_denies(statements)

    def covered(self, statement: Statement) -> list[CallerWitness]:
        """The witnesses, in their order, that the statement's Principal and Action cover and whose
        fixed identity does not already contradict one of its plain ``StringEquals`` conditions
        (a request from them could not satisfy the statement: the search would find none)."""
        pinning = [c for c in statement.conditions if _pins(c)]
        # Each option lists parts whose union holds every covered witness: start from the smallest.
        options: list[list[Sequence[int]]] = []
        if statement.principals is not None:
            options.append([self._named_by(p) for p in statement.principals])
        for condition in pinning:
            if condition.key in self._fixable:
                by_value, free = self._pinned_by(condition.key)
                options.append([free, *(by_value.get(v, ()) for v in set(condition.values))])
        candidates: Sequence[int] = range(len(self.witnesses))
        if options:
            candidates = self._union(min(options, key=lambda parts: sum(len(part) for part in parts)))
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

    def _pinned_by(self, key: str) -> tuple[dict[str, list[int]], list[int]]:
        """The witnesses whose identity fixes ``key``, by value, and those that leave it open."""
        if key not in self._pinned:
            by_value: dict[str, list[int]] = defaultdict(list)
            free: list[int] = []
            for i, witness in enumerate(self.witnesses):
                spec = witness.spec(key)
                if spec.fixed is not None:
                    by_value[spec.fixed].append(i)
                elif spec.presence is not Presence.ABSENT:
                    free.append(i)
            self._pinned[key] = (by_value, free)
        return self._pinned[key]


def _may_hold(condition: Condition, witness: CallerWitness) -> bool:
    spec = witness.spec(condition.key)
    if spec.fixed is not None:
        return spec.fixed in condition.values
    return spec.presence is not Presence.ABSENT


def _pins(condition: Condition) -> bool:
    """A plain ``StringEquals``: true exactly when the key is present with one of the listed values."""
    return (condition.operator == "StringEquals" and condition.qualifier is Qualifier.NONE
            and not condition.if_exists and not condition.variables)
