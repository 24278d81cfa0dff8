"""Can this particular principal assume that role? Which statement admits each principal of an account?

:func:`statement_admitting` asks the search about one known principal. An :class:`Admission` answers
the same question for every principal of one account (or of the organisation's member accounts)
without knowing them: a principal the policy does not single out gets the answer of a *fresh*
principal of its kind, one the policy names gets its own answer, worked out when the admission is
built, and only a principal matching an ``aws:PrincipalArn`` pattern (or any principal, when the
policy uses policy variables) is searched on its own later. So the trust graph expands account trust
into principals with a number of searches bounded by the policy's size, not by the account's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rolescope.caches import memoized
from rolescope.policy.arn import parse_arn
from rolescope.policy.glob import FRESH, LITERAL_QUESTION, LITERAL_STAR, arn_match, glob_match
from rolescope.policy.model import Effect, PolicyDocument, PrincipalKind, Statement
from rolescope.records import pickled_by_fields
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.graph_model import NodeKind, Way
from rolescope.trust.search import find_request
from rolescope.trust.witness import MFA_AGE, MFA_PRESENT, Scope, Zone, mentioned_accounts, principal_witnesses

PRINCIPAL_ARN = "aws:principalarn"
_MAX_ANSWERS = 4096  # remembered per deferred admission
_AWS_SCOPES = (Scope.SAME_ACCOUNT, Scope.CROSS_ACCOUNT)


def statement_admitting(policy: PolicyDocument, zone: Zone, principal_arn: str) -> Statement | None:
    """The first Allow statement through which ``principal_arn`` can assume a role with this policy.

    Args:
        policy: the role's trust policy.
        zone: the role's account and organisation (the principal's org membership follows from it).
        principal_arn: an IAM role or user ARN.

    Returns:
        The statement, or ``None`` when no request from that principal is allowed.
    """
    arn = parse_arn(principal_arn)
    if arn is None:
        return None
    session = None
    if arn.resource_type == "role":
        session = f"arn:{arn.partition}:sts::{arn.account}:assumed-role/{arn.resource_name}/{FRESH}"
    witnesses = principal_witnesses(zone, arn.account, principal_arn, session)
    for statement in policy.statements:
        if statement.effect is Effect.ALLOW and any(find_request(policy, statement, w) for w in witnesses):
            return statement
    return None


def fresh_principal(partition: str, account: str, kind: NodeKind) -> str:
    """The ARN of a role or user of ``account`` that no policy names and no narrow pattern matches."""
    return f"arn:{partition}:iam::{account}:{'user' if kind is NodeKind.USER else 'role'}/{FRESH}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Deferred:
    """What an admission cannot answer without the principal's ARN: the policy, asked again.

    Attributes:
        policy: the trust policy.
        zone: the role's account and organisation.
        ways: the way of each (statement, scope) the analysis found, to describe a statement found.
        patterns: the ``aws:PrincipalArn`` patterns: a principal matching one where a fresh principal
            of its kind does not (or the other way round) is searched on its own.
        everyone: the policy uses policy variables, so every principal is searched on its own.
        answers: what :meth:`ask` found, by ARN: roles sharing a trust policy share its deferred
            part, and the graph asks about the same principals for each of them.
    """

    policy: PolicyDocument
    zone: Zone
    ways: dict[tuple[int, str], Way] = field(hash=False)
    patterns: tuple[str, ...]
    everyone: bool
    answers: dict[str, Way | None] = field(default_factory=dict, hash=False, compare=False, repr=False)

    def singles_out(self, arn: str, kind: NodeKind) -> bool:
        """Whether the policy may answer ``arn`` differently from a fresh principal of its kind."""
        return self.everyone or singled_out(self.patterns, arn, kind)

    def ask(self, arn: str) -> Way | None:
        """The way ``arn`` gets in, from a search of its own (once per ARN)."""
        if arn in self.answers:
            return self.answers[arn]
        found = way_of(statement_admitting(self.policy, self.zone, arn), arn, self.zone, self.ways)
        if len(self.answers) < _MAX_ANSWERS:
            self.answers[arn] = found
        return found


_NO_MATCH = (False, False, False)


def singled_out(patterns: tuple[str, ...], arn: str, kind: NodeKind) -> bool:
    """Whether ``aws:PrincipalArn`` ``patterns`` may tell ``arn`` apart from a fresh principal of its kind."""
    parts = arn.split(":", 5)
    partition, account = (parts[1], parts[4]) if len(parts) == 6 else ("aws", "")
    # The trust graph asks about every member of a group, and most members' ARNs part from every
    # pattern's literal start (an Identity Center pattern names one account and path): for an ASCII
    # ARN, no match is possible then, in any of the three ways, and only the fresh principal's
    # side, the same for the whole group, is left to compare.
    plain = arn.isascii()
    lowered = arn.lower() if plain else arn
    if plain and not lowered.startswith(_literal_starts(patterns)):
        return _fresh_singled_out(patterns, partition, account, kind)
    for pattern in patterns:
        mine = _NO_MATCH if plain and not lowered.startswith(_literal_start(pattern)) else _matches(pattern, arn)
        if mine != _fresh_matches(pattern, partition, account, kind):
            return True
    return False


@memoized(1024)
def _literal_starts(patterns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_literal_start(p) for p in patterns)


@memoized(4096)
def _fresh_singled_out(patterns: tuple[str, ...], partition: str, account: str, kind: NodeKind) -> bool:
    """Whether a principal that no pattern can match is told apart from a fresh principal: when a
    pattern matches the fresh one."""
    return any(_fresh_matches(p, partition, account, kind) != _NO_MATCH for p in patterns)


@memoized(4096)
def _literal_start(pattern: str) -> str:
    """What every ARN that ``pattern`` matches starts with, lower-cased, as far as :func:`_matches` is
    concerned for an ASCII ARN: the pattern's characters before its first wildcard (or character
    standing for a literal ``*`` or ``?``), when they are ASCII; otherwise nothing (no shortcut).

    Each of the three matches reads those characters in order at the start of the ARN: ``glob_match``
    as written or (``ignore_case``, which for ASCII text and pattern is ASCII case folding) in either
    case; ``arn_match`` part by part, its wildcard-free parts equal and the first wildcard's part
    starting with them, so the joined ARN starts with them too.
    """
    end = len(pattern)
    for char in ("*", "?", LITERAL_STAR, LITERAL_QUESTION):
        found = pattern.find(char)
        if 0 <= found < end:
            end = found
    start = pattern[:end]
    return start.lower() if start.isascii() else ""


# The trust graph asks about every member of a group against the same few patterns (a landing zone's
# Identity Center pattern, say): the fresh principal's side is the same for all of them.
@memoized(4096)
def _fresh_matches(pattern: str, partition: str, account: str, kind: NodeKind) -> tuple[bool, bool, bool]:
    return _matches(pattern, fresh_principal(partition, account, kind))


def _matches(pattern: str, arn: str) -> tuple[bool, bool, bool]:
    return glob_match(pattern, arn), glob_match(pattern, arn, ignore_case=True), arn_match(pattern, arn)


def way_of(statement: Statement | None, arn: str, zone: Zone, ways: dict[tuple[int, str], Way]) -> Way | None:
    """The way of ``statement`` for a caller ``arn``: its scope follows from the caller's account."""
    if statement is None:
        return None
    parts = arn.split(":", 5)
    scope = Scope.SAME_ACCOUNT if len(parts) == 6 and parts[4] == zone.account_id else Scope.CROSS_ACCOUNT
    return ways.get((statement.index, scope._value_)) or Way(statement.index, statement.sid, scope._value_, ())


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Admission:
    """Which way each principal of one account (or of the organisation's members) gets into a role.

    Attributes:
        roles: the way in of a role the policy does not single out (``None``: not admitted).
        users: the same for a user.
        named: the principals the policy names literally, with their own ways in.
        accounts: for the organisation, the member accounts the policy names whose (roles, users)
            get in otherwise than the others.
        deferred: set when the policy tells principals apart by ``aws:PrincipalArn`` patterns or
            policy variables.
    """

    roles: Way | None
    users: Way | None
    named: dict[str, Way | None] = field(default_factory=dict, hash=False)
    accounts: dict[str, tuple[Way | None, Way | None]] = field(default_factory=dict, hash=False)
    deferred: Deferred | None = None

    @property
    def uniform(self) -> bool:
        """Whether every principal of a kind gets in the same way, whatever its ARN or account."""
        return not self.named and not self.accounts and self.deferred is None

    def way_for(self, arn: str, kind: NodeKind, account: str) -> Way | None:
        """The way ``arn`` (a ``kind`` of ``account``) gets in, or ``None``."""
        if arn in self.named:
            return self.named[arn]
        if self.deferred is not None and self.deferred.singles_out(arn, kind):
            return self.deferred.ask(arn)
        roles, users = self.accounts.get(account, (self.roles, self.users))
        return users if kind is NodeKind.USER else roles


class Admitter:
    """Builds the admissions of one analysed trust policy, one per account (or organisation) asked.

    When the policy reads neither ``aws:PrincipalArn``, nor policy variables, nor MFA keys, a fresh
    principal of an account gets in exactly as the analysis's caller for that account did (roles and
    users alike): the admission is read off the analysis's paths, with no search.
    """

    def __init__(self, analysis: TrustAnalysis) -> None:
        self.analysis = analysis
        policy, zone = analysis.policy, analysis.zone
        conditions = [c for s in policy.statements for c in s.conditions]
        self.variables = any(c.variables for c in conditions)
        by_arn = [c for c in conditions if c.key == PRINCIPAL_ARN]
        self.searched = self.variables or bool(by_arn) or any(c.key in (MFA_PRESENT, MFA_AGE) for c in conditions)
        self.patterns = tuple(sorted({v for c in by_arn for v in c.values if "*" in v or "?" in v}))
        literals = {v for c in by_arn for v in c.values if not ("*" in v or "?" in v)}
        for statement in policy.statements:
            for principal in (statement.principals or frozenset()) | (statement.not_principals or frozenset()):
                if principal.kind in (PrincipalKind.ROLE, PrincipalKind.USER) and principal.arn:
                    literals.add(principal.arn)
        self.literals = tuple(sorted(a for a in literals if parse_arn(a) is not None))
        self.ways = {(p.statement, p.scope._value_): Way(p.statement, p.sid, p.scope._value_, p.requires)
                     for p in analysis.paths if p.scope in _AWS_SCOPES}
        self.zone = zone
        self._accounts: dict[str, Admission] = {}
        self._organization: dict[Way, Admission] = {}

    def account(self, account: str) -> Admission:
        """How the principals of ``account`` get in."""
        found = self._accounts.get(account)
        if found is None:
            found = self._accounts[account] = self._account(account)
        return found

    def organization(self, path_way: Way) -> Admission:
        """How the principals of the organisation's member accounts get in, through ``path_way`` (the
        statement that admits a member nobody named)."""
        found = self._organization.get(path_way)
        if found is None:
            found = self._organization[path_way] = self._members(path_way)
        return found

    def _account(self, account: str) -> Admission:
        named = {arn: self._search(arn) for arn in self.literals if arn.split(":", 5)[4] == account}
        roles, users = self._class(account, self._path_way(f"arn:{self.zone.partition}:iam::{account}:root", account))
        return Admission(roles, users, named, {}, self._deferred())

    def _members(self, path_way: Way) -> Admission:
        zone = self.zone
        members = zone.org_accounts or frozenset()
        own = zone.account_id
        mentioned = sorted((mentioned_accounts(self.analysis.policy) & members) - {own})
        named = {arn: self._search(arn) for arn in self.literals
                 if arn.split(":", 5)[4] in members and arn.split(":", 5)[4] != own}
        representative = min((a for a in members if a != own and a not in mentioned), default=None)
        roles, users = self._class(representative, path_way) if representative else (path_way, path_way)
        accounts = {}
        for account in mentioned:
            answer = self._class(account, self._path_way(f"arn:{zone.partition}:iam::{account}:root", account))
            if answer != (roles, users):
                accounts[account] = answer
        return Admission(roles, users, named, accounts, self._deferred())

    def _class(self, account: str, path_way: Way | None) -> tuple[Way | None, Way | None]:
        if not self.searched:
            return path_way, path_way
        partition = self.zone.partition
        return (self._search(fresh_principal(partition, account, NodeKind.ROLE)),
                self._search(fresh_principal(partition, account, NodeKind.USER)))

    def _path_way(self, root: str, account: str) -> Way | None:
        scope = Scope.SAME_ACCOUNT if account == self.zone.account_id else Scope.CROSS_ACCOUNT
        path = next((p for p in self.analysis.paths if p.scope is scope and root in p.principals), None)
        return None if path is None else self.ways[(path.statement, path.scope._value_)]

    def _search(self, arn: str) -> Way | None:
        return way_of(statement_admitting(self.analysis.policy, self.zone, arn), arn, self.zone, self.ways)

    def _deferred(self) -> Deferred | None:
        if not (self.patterns or self.variables):
            return None
        return Deferred(self.analysis.policy, self.zone, self.ways, self.patterns, self.variables)
