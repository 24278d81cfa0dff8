"""Sharing one trust analysis among documents that differ only in names the verdicts cannot see.

Organisations stamp a few trust-policy templates into every account: the same service trust with
``aws:SourceAccount`` set to the role's own account, the same EKS trust for another cluster and
service account, the same chained-role trust naming another role of the account, the same vendor
trust with another ExternalId. :mod:`rolescope.trust.abstraction` decides which names in a policy
the search reads only through equality and order (account ids, principal names, OIDC issuers,
unique ids, an organisation path, equality-only values); :func:`template` replaces them with
placeholders numbered in the order the real names sort, and adds what the search makes of the
role's zone (where its own account sorts among the others, which of them belong to the
organisation, which representatives of unnamed accounts it tries). Two (policy, zone) pairs with
equal keys therefore have analyses that are renamings of each other (:mod:`rolescope.trust.renaming`):
:func:`plan` finds once where an analysis holds its names, and :func:`rename` fills them with each
twin's. Sids, the policy version (once no condition holds a policy variable) and the spelling of the
action list are not read by the search and are left out of the key.

``tests/trust/test_canonical.py`` checks renamed analyses against direct ones, and against the general
renaming of ``tests/trust/renaming_oracle.py``, examples included.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from rolescope.caches import memoized
from rolescope.policy.evaluate import action_matches
from rolescope.policy.model import Condition, PolicyDocument, Principal, PrincipalKind, PrincipalType, Statement
from rolescope.policy.request import ASSUME_ACTIONS
from rolescope.records import quick_init
from rolescope.trust.abstraction import (
    ACCOUNT,
    ORG_PATHS,
    Abstraction,
    abstraction,
    issuer_host,
    rename_runs,
    runs,
    with_issuer,
)
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.renaming import Names, Plan
from rolescope.trust.subjects import subject_class
from rolescope.trust.witness import Zone, member_representatives, unnamed_classes

_TOP = "999999999000"  # the search's representatives of unnamed accounts come from above here
_VALUE, _PATH = "\ue0f1", "\ue0f5"  # a renamed value, the renamed organisation path
_TYPE_NAMES = {kind: kind.value for kind in PrincipalType}  # an enum's .value is a slow property
# so is a member read through its class
_UNIQUE_ID, _OIDC_PROVIDER = PrincipalKind.UNIQUE_ID, PrincipalKind.OIDC_PROVIDER


@quick_init
@dataclass(frozen=True, slots=True)
class Template:
    """A policy in a zone, reduced to what its analysis depends on.

    Attributes:
        key: equal for two (policy, zone) pairs exactly when one's analysis renames to the other's.
        accounts: the account ids abstracted (the policy's and the role's own), sorted; ``None``
            when ids stay literal.
        document: the policy's reduction: the names it abstracted (its ``abstraction``: principal
            ARNs and their sessions, OIDC issuers, the organisation path, the keys whose values were
            abstracted), those values in the order their placeholders were handed out, each
            statement's Sid.
        local: the key holds the zone itself (ids stayed literal): no other zone shares it.
    """

    key: Hashable
    accounts: tuple[str, ...] | None
    document: _Document
    local: bool = False


@quick_init
@dataclass(frozen=True, slots=True)
class _Document:
    """A policy's reduction, whatever the zone: an interned key and the names it abstracted."""

    ident: int
    abstraction: Abstraction
    values: tuple[str, ...]
    sids: tuple[str | None, ...]


class ZoneShapes:
    """The memo of one scan: each policy's reduction and the interned reductions (both bounded), and
    for the current zone where its account stands among each set of ids."""

    def __init__(self, max_policies: int = 50_000) -> None:
        self._max = max_policies
        # id(policy) -> (policy, abstracted reduction, literal-ids reduction); holding the policy
        # keeps its id from being reused while the entry lives.
        self._documents: dict[int, tuple[PolicyDocument, _Document, _Document | None]] = {}
        self._idents: dict[Hashable, int] = {}
        self._numbers = itertools.count()
        self._zone: Zone | None = None
        self._placed: dict[tuple[str, ...], tuple[tuple[str, ...], Hashable]] = {}  # for the current zone
        self._org_spells_id: bool | None = None  # for the current zone

    def document(self, policy: PolicyDocument, literal: bool = False) -> _Document:
        """The reduction of ``policy`` (with every account id literal if ``literal``)."""
        entry = self._documents.get(id(policy))
        if entry is None or entry[0] is not policy:
            if len(self._documents) >= self._max:
                self._documents = {}
            found = abstraction(policy)
            entry = (policy, self._reduce(policy, found), None)
            self._documents[id(policy)] = entry
        if not literal or entry[1].abstraction.accounts is None:
            return entry[1]
        if entry[2] is None:
            kept = entry[1].abstraction
            literal_ids = Abstraction(None, kept.residue, kept.names, kept.sessions, kept.hosts, kept.written,
                                      kept.unique_ids, kept.org_path, kept.value_keys)
            entry = (policy, entry[1], self._reduce(policy, literal_ids))
            self._documents[id(policy)] = entry
        return entry[2]  # type: ignore[return-value]

    def _enter(self, zone: Zone) -> None:
        """Forget what was worked out for another zone than ``zone``."""
        if zone is not self._zone:
            self._zone, self._placed, self._org_spells_id = zone, {}, None

    def org_spells_id(self, zone: Zone) -> bool:
        """Whether ``zone``'s organisation id holds an account id (then ids stay literal)."""
        self._enter(zone)
        if self._org_spells_id is None:
            self._org_spells_id = zone.org_id is not None and ACCOUNT.search(zone.org_id) is not None
        return self._org_spells_id

    def placed(self, ids: tuple[str, ...], zone: Zone) -> tuple[tuple[str, ...], Hashable]:
        """The role's own account placed among the account ids a policy names, and what the search
        makes of them in ``zone``: where the own account sorts, which ids belong to the organisation,
        the representatives of unnamed accounts and of other members it tries."""
        self._enter(zone)
        found = self._placed.get(ids)
        if found is None:
            own = zone.account_id
            index = bisect_left(ids, own)
            present = index < len(ids) and ids[index] == own
            accounts = ids if present else (*ids[:index], own, *ids[index:])
            org = zone.org_accounts
            named = frozenset(accounts)
            members = member_representatives((), named, org) if zone.org_id and org is not None else None
            found = self._placed[ids] = (accounts, (
                index, present, zone.partition, zone.org_id, None if org is None else tuple(a in org for a in accounts),
                unnamed_classes((), named, zone), members, zone.clock))
        return found

    def _reduce(self, policy: PolicyDocument, found: Abstraction) -> _Document:
        marks = _Marks(found)
        statements = tuple([marks.statement(s) for s in policy.statements])
        key = (found.accounts is None, statements, marks.order(policy))
        ident = self._idents.get(key)
        if ident is None:
            if len(self._idents) >= 4 * self._max:
                self._idents = {}  # forgotten reductions only lose sharing: numbers are never reused
            ident = self._idents[key] = next(self._numbers)
        return _Document(ident, found, tuple(marks.values), tuple([s.sid for s in policy.statements]))


class _Marks:
    """Placeholders for one policy's abstracted names, and the policy's statements written with them."""

    __slots__ = ("accounts", "found", "hosts", "names", "unique_ids", "values", "written")

    def __init__(self, found: Abstraction) -> None:
        self.found = found
        self.accounts = _marks("\ue0f0", found.accounts or ())
        self.names = _marks("\ue0f2", found.names)
        self.unique_ids = _marks("\ue0f3", found.unique_ids)
        self.hosts = _marks("\ue0f4", found.hosts)
        self.written = _marks("\ue0f4", found.written)
        self.values: dict[str, int] = {}

    def text(self, value: str) -> str:
        return rename_runs(value, self._account) if self.accounts else value

    def _account(self, account: str) -> str:
        return self.accounts.get(account, account)

    def principal(self, principal: Principal) -> str:
        value = principal.value
        if value in self.names:
            head = value.split("/", 1)[0]  # arn:...:iam::ACCOUNT:role (the kind and the account stay)
            return f"{self.text(head)}/{self.names[value]}"
        kind = principal.kind
        if kind is _UNIQUE_ID:
            return self.unique_ids[value]
        if kind is _OIDC_PROVIDER and self.written and ":oidc-provider/" in value:
            head, host = value.split(":oidc-provider/", 1)
            if host in self.written:
                return f"{self.text(head)}:oidc-provider/{self.written[host]}"
        return self.text(value)

    def principals(self, found: frozenset[Principal]) -> frozenset[tuple[str, str]]:
        if not (self.names or self.unique_ids or self.written):
            return _principal_marks(found, self.found.accounts)
        principal = self.principal
        return frozenset([(_TYPE_NAMES[p.type], principal(p)) for p in found])

    def key(self, key: str) -> str:
        return with_issuer(key, self.hosts) if self.hosts else key

    def host(self, condition: Condition) -> str | None:
        written = issuer_host(condition.key_as_written)
        return None if written is None else self.written.get(written, written)

    def condition(self, condition: Condition) -> tuple[Any, ...]:
        shown: tuple[Any, ...]
        key = condition.key
        if key in self.found.value_keys and condition.operator != "Null":
            values, accounts = self.values, self.accounts
            # subject_class reads only the claim after a key's last colon: None but for ":sub"
            subjects = key.endswith(":sub")
            shown = tuple([
                (_VALUE, values.setdefault(v, len(values)), min(v.count(":"), 5),
                 tuple([accounts.get(a, a) for a in runs(v)]) if accounts and runs(v) else runs(v),
                 subject_class(key, v) if subjects else None)
                for v in condition.values
            ])
        elif key == ORG_PATHS and self.found.org_path is not None:
            shown = (_PATH,)
        else:
            text = self.text
            shown = tuple([text(v) for v in condition.values])
        if self.hosts:
            return (condition.operator, condition.qualifier, condition.if_exists, self.key(key),
                    self.host(condition), condition.variables, shown)
        # no issuer renamed: the key and its issuer as the condition has them
        return (condition.operator, condition.qualifier, condition.if_exists, key,
                issuer_host(condition.key_as_written), condition.variables, shown)

    def statement(self, statement: Statement) -> tuple[Any, ...]:
        conditions, principals, not_principals = statement.conditions, statement.principals, statement.not_principals
        return (statement.index, statement.effect, None if principals is None else self.principals(principals),
                None if not_principals is None else self.principals(not_principals),
                _covers(statement.actions, statement.not_actions),
                tuple([self.condition(c) for c in conditions]) if conditions else ())

    def order(self, policy: PolicyDocument) -> Hashable:
        """How renamed issuers sort among every condition key and issuer they are compared with."""
        if not self.hosts:
            return None
        keys: set[str] = set()
        hosts: set[str] = set()
        for statement in policy.statements:
            for condition in statement.conditions:
                keys.add(condition.key)
                host = issuer_host(condition.key_as_written)
                if host is not None:
                    hosts.add(host)
            for principal in (*(statement.principals or ()), *(statement.not_principals or ())):
                if principal.kind is _OIDC_PROVIDER and ":oidc-provider/" in principal.value:
                    hosts.add(principal.value.split(":oidc-provider/", 1)[1])
        return tuple([self.key(k) for k in sorted(keys)]), tuple([self.written.get(h, h) for h in sorted(hosts)])


@memoized(4096)
def _principal_marks(found: frozenset[Principal], accounts: tuple[str, ...] | None) -> frozenset[tuple[str, str]]:
    """A principal element as :meth:`_Marks.principals` writes it when the policy renames accounts alone.

    It then depends on the element and the accounts only, and the same element recurs in many
    policies (the parser hands out one object per lone principal): written once per account set.
    """
    principal = _Marks(Abstraction(accounts, "", (), (), (), (), (), None, frozenset())).principal
    return frozenset([(_TYPE_NAMES[p.type], principal(p)) for p in found])


def _marks(kind: str, names: tuple[str, ...]) -> dict[str, str]:
    """A placeholder per name, numbered in the names' order."""
    return dict(zip(names, _placeholders(kind, len(names)), strict=True)) if names else {}


@memoized(256)
def _placeholders(kind: str, count: int) -> tuple[str, ...]:
    """The first ``count`` placeholders of ``kind``: the same few for every policy."""
    return tuple([f"{kind}{index}{kind}" for index in range(count)])


@memoized(1024)
def _covers(actions: tuple[str, ...] | None, not_actions: tuple[str, ...] | None) -> tuple[bool, ...]:
    """Which sts:AssumeRole* actions a statement covers: all the search reads of its action list."""
    if actions is not None:
        return tuple(action_matches(actions, a) for a in ASSUME_ACTIONS)
    return tuple(not_actions is None or not action_matches(not_actions, a) for a in ASSUME_ACTIONS)


def template(policy: PolicyDocument, zone: Zone, shapes: ZoneShapes) -> Template | None:
    """The template of ``policy`` in ``zone``, or ``None`` when its conditions hold policy variables.

    Args:
        policy: the parsed trust policy.
        zone: the role's account and organisation.
        shapes: the memo of one scan.
    """
    if policy.version == "2012-10-17" and any([c.variables for s in policy.statements for c in s.conditions]):
        return None
    document = shapes.document(policy)
    found = document.abstraction
    own = zone.account_id
    if found.accounts is not None and not (own >= _TOP or own in found.residue or shapes.org_spells_id(zone)):
        accounts, shape = shapes.placed(found.accounts, zone)
        return Template((document.ident, shape), accounts, document, False)
    document = shapes.document(policy, literal=True)
    return Template((document.ident, zone), None, document, True)


def names(template: Template) -> Names:
    """The names ``template`` abstracted, in the order its key numbers them."""
    document = template.document
    found = document.abstraction
    return Names(template.accounts or (), found.names, found.sessions, found.hosts, found.written, found.org_path,
                 document.values, document.sids)


def plan(analysis: TrustAnalysis, source: Template) -> Plan:
    """``analysis`` (of ``source``'s policy) compiled for :func:`rename`: where it holds ``source``'s names,
    found once for all the template's twins."""
    return Plan(analysis, names(source), source.document.abstraction.value_keys)


def rename(compiled: Plan, target: Template, policy: PolicyDocument, zone: Zone) -> TrustAnalysis:
    """The analysis ``compiled`` was made from, renamed to ``target``'s policy (``policy``) and ``zone``:
    ``target``'s key equals the source template's."""
    return compiled.rename(names(target), policy, zone)
