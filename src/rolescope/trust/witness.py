"""The callers the trust search tries: a finite set that stands for every possible caller.

Each literal principal in the policy yields callers that realise it (the role itself; for an account,
some principal of that account); accounts named only in conditions yield callers too; and a caller
from a *fresh* account, named nowhere, stands for "anybody" (what makes a trust public), one per class
of accounts the policy's account patterns tell apart. Keys that
the caller's identity fixes (``aws:PrincipalAccount``, ``aws:PrincipalArn``, ``aws:PrincipalOrgID``,
MFA...) are constrained per caller through :class:`~rolescope.trust.keyspace.KeySpec`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from rolescope.caches import memoized
from rolescope.policy.arn import parse_arn
from rolescope.policy.glob import FRESH, Pattern, chosen_segment, compile_pattern
from rolescope.policy.model import PolicyDocument, Principal, PrincipalKind, PrincipalType
from rolescope.policy.parse import PUBLIC_IDPS
from rolescope.policy.request import Caller
from rolescope.records import pickled_by_fields
from rolescope.trust.accounts import Reader, account_classes, account_patterns, member_classes
from rolescope.trust.keyspace import KeySpec, Presence

ANY_PRINCIPAL_KEYS = ("aws:principalaccount", "aws:principalarn")
ORG_PATHS = "aws:principalorgpaths"
ORG_KEYS = ("aws:principalorgid", ORG_PATHS)
SOURCE_KEYS = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner")
MFA_PRESENT, MFA_AGE = "aws:multifactorauthpresent", "aws:multifactorauthage"
_OWN_PREFIXES = ("aws:", "sts:", "saml:", "iam:")
ABSENT = KeySpec(Presence.ABSENT)
OUTSIDER_ORG_PATHS = KeySpec(shapes=((chosen_segment("", "/"), True),))
PRESENT = KeySpec(Presence.PRESENT)


class Scope(StrEnum):
    """How a caller stands to the role's account."""

    SAME_ACCOUNT = "same-account"
    CROSS_ACCOUNT = "cross-account"
    SERVICE = "service"
    FEDERATED = "federated"


class Mfa(StrEnum):
    LONG_TERM = "none"  # long-term keys: the MFA keys are absent
    NO_MFA = "false"  # temporary credentials obtained without MFA
    MFA = "true"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Zone:
    """The role's own account and what is known of its organisation.

    Attributes:
        account_id: the account the role lives in.
        partition: the role's partition.
        org_id: the organisation the account belongs to, when known.
        org_accounts: the organisation's member accounts, when known.
        clock: the scan's clock, in epoch seconds: every request is judged as made at this moment
            or later (IAM sets ``aws:CurrentTime`` to the time of the request); ``None``: at any
            moment since the epoch.
    """

    account_id: str
    partition: str = "aws"
    org_id: str | None = None
    org_accounts: frozenset[str] | None = None
    clock: int | None = None


@dataclass(frozen=True, slots=True)
class CallerWitness:
    """One caller the search tries, and what its identity fixes about the request.

    Attributes:
        caller: the caller as the evaluator sees it.
        action: the STS action this kind of caller uses.
        origin: the policy principal it realises (``*`` for the fresh, anonymous one).
        scope: same account, another account, a service, or a federated identity.
        anonymous: it stands for any account nobody named, controlled by an outsider.
        unnamed: it stands for an account nobody named that may belong to any organisation the
            policy names (how ``"*"`` + ``aws:PrincipalOrgID`` admits other member accounts), or,
            when the organisation's members are known, for one of its members nobody named.
        mfa: how the caller authenticated (AWS callers only).
        specs: constraints its identity puts on condition keys.
        clock: the earliest moment its requests are made at (the zone's clock).
    """

    caller: Caller
    action: str
    origin: str
    scope: Scope
    anonymous: bool = False
    mfa: Mfa | None = None
    unnamed: bool = False
    specs: dict[str, KeySpec] = field(default_factory=dict, compare=False, hash=False)
    clock: int | None = None

    @property
    def outside(self) -> bool:
        return self.scope is Scope.CROSS_ACCOUNT

    def spec(self, key: str) -> KeySpec:
        """The constraint this caller's identity puts on ``key``."""
        found = self.specs.get(key)
        if found is not None:
            return found
        kind = self.caller.type
        if key in (MFA_PRESENT, MFA_AGE) or key in ANY_PRINCIPAL_KEYS or key in ORG_KEYS:
            return ABSENT  # AWS callers carry these in specs; other callers never have them
        if key in SOURCE_KEYS:
            return KeySpec() if kind is PrincipalType.SERVICE else ABSENT
        if key == "sts:externalid":
            return KeySpec() if kind is PrincipalType.AWS else ABSENT
        if key.startswith("saml:"):
            return KeySpec() if self.action == "sts:assumerolewithsaml" else ABSENT
        if key in ("aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip"):
            return ABSENT if kind is PrincipalType.SERVICE else KeySpec()
        if not key.startswith(_OWN_PREFIXES) and ":" in key:
            host = key.rsplit(":", 1)[0]
            provider = self.caller.arn.lower()
            if self.action == "sts:assumerolewithwebidentity" and (
                provider.endswith(":oidc-provider/" + host) or provider == host
            ):
                claim = key.rsplit(":", 1)[1]
                return PRESENT if claim in ("sub", "aud") else KeySpec()
            return ABSENT
        return KeySpec()


_ACCOUNT_IN_TEXT = re.compile(r"(?<!\d)\d{12}(?!\d)")


def mentioned_accounts(policy: PolicyDocument) -> set[str]:
    """Every 12-digit account id in the policy: principals and condition values alike."""
    accounts: set[str] = set()
    for statement in policy.statements:
        for principal in (statement.principals or frozenset()) | (statement.not_principals or frozenset()):
            if principal.account:
                accounts.add(principal.account)
        for condition in statement.conditions:
            for value in condition.values:
                accounts.update(_ACCOUNT_IN_TEXT.findall(value))
    return accounts


def _literal(text: str) -> Pattern:
    return compile_pattern(text, wildcards=False)


# Every "::X:" in an ARN, overlapping ones too: the accounts X for which ``f"::{X}:" in arn``.
_ACCOUNT_FIELDS = re.compile(r"(?=::([^:]*):)")


def arns_by_account(arns: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The ARNs grouped by the account they name, each group in the given order."""
    grouped: dict[str, list[str]] = {}
    for arn in arns:
        for account in dict.fromkeys(_ACCOUNT_FIELDS.findall(arn)):
            grouped.setdefault(account, []).append(arn)
    return {account: tuple(group) for account, group in grouped.items()}


def _aws_specs(zone: Zone, account: str, principal_arn: str | None, anonymous: bool,
               named_arns: Mapping[str, tuple[str, ...]], mfa: Mfa, member: bool = False) -> dict[str, KeySpec]:
    # Only the named ARNs of this account matter (and none when the ARN is fixed): the rest of the
    # arguments recur across policies and callers, so the specs are built once per combination.
    relevant = () if principal_arn is not None else named_arns.get(account, ())
    return dict(_aws_specs_cached(zone, account, principal_arn, anonymous, relevant, mfa, member))


@memoized(65536)
def _aws_specs_cached(zone: Zone, account: str, principal_arn: str | None, anonymous: bool,
                      named_arns: tuple[str, ...], mfa: Mfa, member: bool) -> dict[str, KeySpec]:
    partition = zone.partition
    specs = {
        "aws:principalaccount": KeySpec(Presence.PRESENT, fixed=account),
        "aws:principalisawsservice": KeySpec(Presence.PRESENT, fixed="false"),
        "aws:principalservicename": ABSENT,
    }
    if principal_arn is not None:
        specs["aws:principalarn"] = KeySpec(Presence.PRESENT, fixed=principal_arn)
    else:
        # Some principal of the account other than those the policy names one by one.
        shapes: list[tuple[Pattern, bool]] = [(compile_pattern(f"arn:{partition}:iam::{account}:*"), True)]
        shapes += [(_literal(arn), False) for arn in named_arns if f"::{account}:" in arn]
        specs["aws:principalarn"] = KeySpec(Presence.PRESENT, shapes=tuple(shapes))
    if account == zone.account_id and zone.org_id:
        org = KeySpec(Presence.PRESENT, fixed=zone.org_id)
    elif anonymous:
        org = KeySpec(unpinned=True)
    elif member:
        org = KeySpec(Presence.PRESENT, fixed=zone.org_id) if zone.org_id else KeySpec()
    elif zone.org_accounts is not None and zone.org_id:
        org = (KeySpec(Presence.PRESENT, fixed=zone.org_id) if account in zone.org_accounts
               else KeySpec(shapes=((_literal(zone.org_id), False),)))
    else:
        org = KeySpec()
    specs["aws:principalorgid"] = org
    # An outsider's organisation is one nobody named: every path it has starts with that organisation's
    # id, so a path pattern that fixes the id before the first "/" keeps it out (whatever the OU).
    specs[ORG_PATHS] = OUTSIDER_ORG_PATHS if anonymous else KeySpec()
    if mfa is Mfa.MFA:
        specs[MFA_PRESENT] = KeySpec(Presence.PRESENT, fixed="true")
        specs[MFA_AGE] = PRESENT
    else:
        specs[MFA_PRESENT] = ABSENT if mfa is Mfa.LONG_TERM else KeySpec(Presence.PRESENT, fixed="false")
        specs[MFA_AGE] = ABSENT
    return specs


def caller_witnesses(policy: PolicyDocument, zone: Zone) -> list[CallerWitness]:
    """The finite set of callers that stands for every caller of this policy.

    Args:
        policy: the trust policy.
        zone: the role's account and organisation.

    Returns:
        Callers realising each principal the policy names, each account it mentions, the role's own
        account, and, for each class of accounts nobody named that the policy's account patterns
        tell apart (see :mod:`rolescope.trust.accounts`), an outsider's account (the anonymous caller)
        and an account of any organisation; each with every way of authenticating (with MFA,
        without, with long-term keys).
    """
    principals: list[Principal] = []
    for statement in policy.statements:
        principals.extend(sorted(statement.principals or (), key=str))
        principals.extend(sorted(statement.not_principals or (), key=str))
    accounts = mentioned_accounts(policy) | {zone.account_id}
    named_arns = arns_by_account(sorted({p.arn for p in principals if p.arn and p.kind is not PrincipalKind.ACCOUNT}))
    witnesses: list[CallerWitness] = []
    partition = zone.partition

    def aws(account: str, arn: str, origin: str, *, fixed_arn: bool, session: str | None = None,
            anonymous: bool = False, unnamed: bool = False, member: bool = False,
            temporary: bool = False) -> Iterator[CallerWitness]:
        scope = Scope.SAME_ACCOUNT if account == zone.account_id else Scope.CROSS_ACCOUNT
        for mfa in authentications(temporary):
            yield CallerWitness(
                Caller(PrincipalType.AWS, arn, account, session_arn=session),
                "sts:assumerole", origin, scope, anonymous, mfa, unnamed,
                _aws_specs(zone, account, arn if fixed_arn else None, anonymous, named_arns, mfa, member),
            )

    def generic(account: str, origin: str, **kind: bool) -> Iterator[CallerWitness]:
        return aws(account, f"arn:{partition}:iam::{account}:role/{FRESH}", origin, fixed_arn=False,
                   session=f"arn:{partition}:sts::{account}:assumed-role/{FRESH}/{FRESH}", **kind)

    for account in sorted(accounts):
        witnesses += generic(account, f"arn:{partition}:iam::{account}:root")
    # Accounts nobody named, one class at a time: an outsider's own (anonymous: its organisation is
    # its own), one in any organisation the policy names (unnamed), and, when the role's organisation
    # is known member by member, one of its other members.
    patterns = tuple(account_patterns(policy, partition))
    named = frozenset(accounts)
    for representatives in unnamed_classes(patterns, named, zone):
        witnesses += generic(representatives[0], "*", anonymous=True)
        witnesses += generic(representatives[-1], "*", unnamed=True)
    if zone.org_id and zone.org_accounts is not None:
        for account in member_representatives(patterns, named, zone.org_accounts):
            witnesses += generic(account, "*", unnamed=True, member=True)

    seen: set[str] = set()
    for principal in principals:
        if principal.value in seen:
            continue
        seen.add(principal.value)
        witnesses += _witnesses_for(principal, zone, aws)
    if any(p.type is PrincipalType.ANY for p in principals):
        # A bare "*" admits web identities too: anybody can get a token from a public IdP, and the
        # account's own OIDC providers are admitted as well (those whose claims the conditions name).
        for principal in star_providers(policy, zone):
            if principal.value not in seen:
                witnesses += _witnesses_for(principal, zone, aws)
    if zone.clock is None:
        return witnesses
    # Built directly: dataclasses.replace reads every field through the generic machinery.
    return [CallerWitness(w.caller, w.action, w.origin, w.scope, w.anonymous, w.mfa, w.unnamed, w.specs, zone.clock)
            for w in witnesses]


def star_providers(policy: PolicyDocument, zone: Zone) -> list[Principal]:
    """The web identity providers a bare ``"*"`` principal stands for: the public IdPs, and an OIDC
    provider in the role's account for each issuer whose claims the policy's conditions name."""
    found = [Principal(PrincipalType.FEDERATED, host, PrincipalKind.PUBLIC_IDP) for host in sorted(PUBLIC_IDPS)]
    hosts = sorted({c.key_as_written.rsplit(":", 1)[0] for s in policy.statements for c in s.conditions
                    if not c.key.startswith(_OWN_PREFIXES) and ":" in c.key})
    for host in hosts:
        if host.lower() in PUBLIC_IDPS or "." not in host.split("/", 1)[0] or "*" in host:
            continue  # a public IdP (listed above) or a service prefix (ec2:...), not an issuer
        arn = f"arn:{zone.partition}:iam::{zone.account_id}:oidc-provider/{host}"
        found.append(Principal(PrincipalType.FEDERATED, arn, PrincipalKind.OIDC_PROVIDER, zone.account_id,
                               zone.partition, arn))
    return found


class _Either(Collection[str]):
    """Membership in either of two sets, without building their union (an organisation can be large)."""

    def __init__(self, first: frozenset[str], second: frozenset[str]) -> None:
        self.first, self.second = first, second

    def __contains__(self, item: object) -> bool:
        return item in self.first or item in self.second

    def __iter__(self) -> Iterator[str]:
        yield from self.first
        yield from self.second - self.first

    def __len__(self) -> int:
        return len(self.first | self.second)


# Most policies name the same few accounts in one zone: the classes of the accounts they do not name
# are worked out once per (patterns, named accounts, zone), and without going over the organisation
# when no pattern reads the account (then only membership is asked).
@memoized(16384)
def unnamed_classes(patterns: tuple[Reader, ...], named: frozenset[str], zone: Zone) -> tuple[tuple[str, ...], ...]:
    """Representatives of each class of accounts outside ``named`` and the organisation (see
    :func:`rolescope.trust.accounts.account_classes`)."""
    avoid = _Either(named, zone.org_accounts or frozenset())
    return tuple(tuple(c) for c in account_classes(list(patterns), avoid))


@memoized(16384)
def member_representatives(patterns: tuple[Reader, ...], named: frozenset[str], members: frozenset[str]
                           ) -> tuple[str, ...]:
    """One member outside ``named`` per class (see :func:`rolescope.trust.accounts.member_classes`)."""
    if not patterns:  # one class, whose representative is its smallest member: no need for members - named
        first = next((a for a in _sorted(members) if a not in named), None)
        return () if first is None else (first,)
    return tuple(member_classes(list(patterns), members - named))


@memoized(64)
def _sorted(members: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(members))


def _witnesses_for(principal: Principal, zone: Zone, aws: Callable[..., Iterator[CallerWitness]]
                   ) -> Iterator[CallerWitness]:
    kind, value = principal.kind, principal.value
    if kind in (PrincipalKind.ROLE, PrincipalKind.USER) and principal.arn and principal.account:
        session = None
        if kind is PrincipalKind.ROLE:
            arn = parse_arn(principal.arn)
            name = arn.resource_name if arn else FRESH
            session = f"arn:{principal.partition}:sts::{principal.account}:assumed-role/{name}/{FRESH}"
        yield from aws(principal.account, principal.arn, value, fixed_arn=True, session=session,
                       temporary=kind is PrincipalKind.ROLE)
    elif kind is PrincipalKind.ASSUMED_ROLE and principal.arn and principal.account:
        arn = parse_arn(principal.arn)
        role_name = arn.resource.split("/")[1] if arn else FRESH
        role = f"arn:{principal.partition}:iam::{principal.account}:role/{role_name}"
        yield from aws(principal.account, role, value, fixed_arn=True, session=principal.arn, temporary=True)
    elif kind is PrincipalKind.FEDERATED_USER and principal.arn and principal.account:
        yield from aws(principal.account, principal.arn, value, fixed_arn=True, session=principal.arn,
                       temporary=True)
    elif kind is PrincipalKind.SERVICE:
        specs = {
            "aws:principalisawsservice": KeySpec(Presence.PRESENT, fixed="true"),
            "aws:principalservicename": KeySpec(Presence.PRESENT, fixed=value),
        }
        yield CallerWitness(Caller(PrincipalType.SERVICE, value), "sts:assumerole", value, Scope.SERVICE,
                            specs=specs)
    elif kind is PrincipalKind.SAML_PROVIDER:
        yield CallerWitness(Caller(PrincipalType.FEDERATED, value, principal.account),
                            "sts:assumerolewithsaml", value, Scope.FEDERATED,
                            specs={"saml:aud": PRESENT, "aws:principalisawsservice": ABSENT})
    elif kind in (PrincipalKind.OIDC_PROVIDER, PrincipalKind.PUBLIC_IDP):
        yield CallerWitness(Caller(PrincipalType.FEDERATED, value, principal.account),
                            "sts:assumerolewithwebidentity", value, Scope.FEDERATED,
                            specs={"aws:principalisawsservice": ABSENT})



def authentications(temporary: bool) -> tuple[Mfa, ...]:
    """How a caller may have authenticated. Role and federated-user sessions always run on temporary
    credentials, which carry ``aws:MultiFactorAuthPresent`` (``false`` without MFA): only IAM users with
    long-term keys make requests without the key, which is why ``BoolIfExists`` lets them through."""
    return (Mfa.NO_MFA, Mfa.MFA) if temporary else tuple(Mfa)


def principal_witnesses(zone: Zone, account: str, arn: str, session: str | None = None) -> list[CallerWitness]:
    """Callers standing for one known IAM principal (``arn`` in ``account``), with each MFA state."""
    scope = Scope.SAME_ACCOUNT if account == zone.account_id else Scope.CROSS_ACCOUNT
    return [
        CallerWitness(Caller(PrincipalType.AWS, arn, account, session_arn=session), "sts:assumerole", arn, scope,
                      mfa=mfa, specs=_aws_specs(zone, account, arn, False, {}, mfa), clock=zone.clock)
        for mfa in authentications(temporary=":role/" in arn)
    ]
