"""The trusted side of cross-account access: a user or role whose identity policies let it call
``sts:AssumeRole`` on any role (``Resource: "*"``, ``arn:aws:iam::*:role/*``, AdministratorAccess...)
or on roles of accounts outside the zone of trust (the account, the organisation, the trusted list).

Trust policies are only half the story: a role trusting an account admits whichever of its principals
that account's own identity policies let call ``sts:AssumeRole`` on it. This check looks at that half,
account by account, over every role and user (with its groups' policies).

**Severity.** Medium; raised to high for a *user* when some statement that lets it in has no MFA
condition (``Bool`` ``aws:MultiFactorAuthPresent`` ``true``, or ``NumericLessThan``
``aws:MultiFactorAuthAge``; ``BoolIfExists`` does not count, since a request signed with access keys
carries no MFA key at all). The export GAAD gives does not list access keys or login profiles, so
"has long-term credentials" is read as "is a user": IAM users are the principals that hold passwords
and access keys, roles only hand out temporary sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import Finding, OverriddenSeverity, SeverityOverride
from rolescope.inventory.model import AccountSnapshot, InlinePolicy, PolicyRef
from rolescope.policy.glob import FRESH
from rolescope.policy.identity import AWS_MANAGED_ALLOWING_STS, allows_on, resources
from rolescope.trust.principals import ANY_TARGET_ACCOUNT, target_account

CHECK_ID = "identity-assume-any-role"
LONG_TERM_WITHOUT_MFA = SeverityOverride(
    "high", "raised: a user holds long-term credentials and a statement letting it assume roles requires no MFA")
_FRESH_ACCOUNT = FRESH * 12  # an account id no policy names: matched only by a wildcard account field
_EVERY_ROLE: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}


@dataclass(frozen=True, slots=True, eq=False)  # told apart by identity: its body is an unhashable dict
class _Statement:
    """An ``sts:AssumeRole`` statement of a principal and the policy it comes from."""

    policy: str
    body: dict[str, Any]


def run(snapshot: AccountSnapshot, settings: CheckSettings) -> Iterator[Finding]:
    """The account's roles and users that may assume any role, or roles outside the zone of trust.

    Args:
        snapshot: the account, with its identity policies.
        settings: the organisation and trusted accounts (the zone of trust), the severities.

    Returns:
        One finding per such principal, its resource the principal's ARN.
    """
    members = settings.organization.account_ids if settings.organization is not None else frozenset()
    zone = {snapshot.account_id, *settings.trusted_accounts, *members}
    partition = snapshot.roles[0].partition if snapshot.roles else "aws"
    groups = {g.name: g for g in snapshot.groups}
    managed = _ManagedStatements(snapshot)
    principals: list[tuple[str, str, list[_Statement]]] = []
    for role in snapshot.roles:
        principals.append((role.arn, "role", _statements(snapshot, managed, role.attached_policies,
                                                          role.inline_policies)))
    by_group: dict[str, list[_Statement]] = {}  # a group's statements, shared by its members
    for user in snapshot.users:
        found = _statements(snapshot, managed, user.attached_policies, user.inline_policies)
        for name in user.groups:
            if name in groups:
                if name not in by_group:
                    group = groups[name]
                    by_group[name] = _statements(snapshot, managed, group.attached_policies, group.inline_policies,
                                                 f"group {name}: ")
                found += by_group[name]
        principals.append((user.arn, "user", found))
    # Most principals hold the same few managed policies, so the same statements: what they allow is
    # decided once per kind of principal and set of statements (the key holds the statements, whose
    # identities it compares, so none is let go and its identity reused while the check runs).
    verdicts: dict[tuple[object, ...], _Verdict | None] = {}
    for arn, kind, statements in principals:
        if not statements:
            continue  # no statement about sts:AssumeRole: nothing to allow
        key = (kind, *statements)
        if key in verdicts:
            verdict = verdicts[key]
        else:
            verdict = verdicts[key] = _verdict(kind, statements, zone, partition, settings)
        if verdict is not None:
            yield verdict.finding(snapshot.account_id, arn)


class _ManagedStatements(dict[tuple[str, str, str], tuple[_Statement, ...]]):
    """The statements each attached managed policy contributes, labelled, by label prefix, ARN and
    name: made on the first lookup of each, since most principals of an account share a few such
    policies (a dict, so that the lookups that find them run no Python code)."""

    __slots__ = ("_snapshot",)

    def __init__(self, snapshot: AccountSnapshot) -> None:
        super().__init__()
        self._snapshot = snapshot

    def __missing__(self, key: tuple[str, str, str]) -> tuple[_Statement, ...]:
        prefix, arn, name = key
        if PolicyRef(name, arn).aws_managed and name in AWS_MANAGED_ALLOWING_STS:
            found: tuple[_Statement, ...] = (_Statement(f"{prefix}{name} (AWS managed)", _EVERY_ROLE),)
        else:
            policy = self._snapshot.policy(arn)
            found = () if policy is None or policy.document is None else tuple(
                _Statement(f"{prefix}managed policy {name}", s)
                for s in self._snapshot.assume_statements(policy.document))
        self[key] = found
        return found


def _statements(snapshot: AccountSnapshot, managed: _ManagedStatements, refs: Iterable[PolicyRef],
                inline: Iterable[InlinePolicy], prefix: str = "") -> list[_Statement]:
    found: list[_Statement] = []
    for policy in inline:
        chosen = snapshot.assume_statements(policy.document)
        if chosen:  # most inline policies are about other services: no label made for them
            found += [_Statement(f"{prefix}inline policy {policy.name}", s) for s in chosen]
    for ref in refs:
        found += managed[prefix, ref.arn, ref.name]
    return found


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What a set of statements lets a kind of principal do, as its finding says it (but for whose it is)."""

    kind: str
    message: str  # after the principal's name
    severity: str
    overridden: OverriddenSeverity | None
    scope: str
    outside: list[str]
    allowing: list[dict[str, Any]]
    # Read for each of the (many) principals it is about: worked out once.
    label: str = ""  # the kind, as the message's first word
    long_term: bool = False  # a user's credentials

    def finding(self, account: str, arn: str) -> Finding:
        """The finding about the principal ``arn``; its evidence shares the verdict's lists (nobody changes them)."""
        evidence = {
            "principal": arn,
            "principal_type": self.kind,
            "scope": self.scope,
            "outside_accounts": self.outside,
            "allowing": self.allowing,
            "long_term_credentials": self.long_term,
        }
        return Finding(CHECK_ID, self.severity, account, arn, f"{self.label} {arn.rsplit('/', 1)[-1]}{self.message}",
                       None, evidence, None, self.overridden)


def _verdict(kind: str, statements: list[_Statement], zone: set[str], partition: str, settings: CheckSettings
             ) -> _Verdict | None:
    bodies = [s.body for s in statements]
    any_role = f"arn:{partition}:iam::{_FRESH_ACCOUNT}:role/{FRESH}"
    if allows_on(bodies, any_role):
        allowing = [s for s in statements if s.body.get("Effect") == "Allow" and allows_on([s.body], any_role)]
        outside: list[str] = []
        what = "any role in any account"
    else:
        named = _outside_targets(statements, bodies, zone)
        if not named:
            return None
        allowing = [s for s, _ in named]
        outside = sorted({account_id for _, account_id in named})
        what = f"roles in {', '.join(outside)}, outside the " + ("organisation" if settings.organization else "account")
    without_mfa = [s.policy for s in allowing if not requires_mfa(s.body)]
    override = LONG_TERM_WITHOUT_MFA if kind == "user" and without_mfa else None
    severity, overridden = settings.severity(CHECK_ID, override)
    policies = list(dict.fromkeys(s.policy for s in allowing))
    message = (f"'s identity policies ({', '.join(policies)}) allow sts:AssumeRole on "
               f"{what}" + (_mfa_note(without_mfa) if kind == "user" else "") + ".")
    return _Verdict(kind, message, severity, overridden, "any-role" if not outside else "outside-organization",
                    outside, [{"policy": s.policy, "statement": s.body, "requires_mfa": requires_mfa(s.body)}
                              for s in allowing], kind.capitalize(), kind == "user")


def _mfa_note(without_mfa: list[str]) -> str:
    """For a user (long-term credentials): whether its way in needs MFA."""
    return f"; no MFA condition in {', '.join(dict.fromkeys(without_mfa))}" if without_mfa else "; MFA required"


def _outside_targets(statements: list[_Statement], bodies: list[dict[str, Any]], zone: set[str]
                     ) -> list[tuple[_Statement, str]]:
    """The Allow statements naming roles of a fixed account outside ``zone``, where no Deny takes it back."""
    found = []
    for statement in statements:
        if statement.body.get("Effect") != "Allow":
            continue
        for resource in resources(statement.body):
            account = target_account(resource)
            if account == ANY_TARGET_ACCOUNT or account in zone or ":role/" not in resource:
                continue
            # the pattern's wildcards as a name nobody wrote: what a Deny would have to name too
            probe = resource.replace("*", FRESH).replace("?", FRESH)
            if allows_on(bodies, probe):
                found.append((statement, account))
                break
    return found


def requires_mfa(statement: dict[str, Any]) -> bool:
    """Whether every request a statement allows carries MFA: ``Bool`` ``aws:MultiFactorAuthPresent``
    ``true`` or ``NumericLessThan(Equals)`` ``aws:MultiFactorAuthAge`` (an ``...IfExists`` form lets a
    request without the key through, as one signed with access keys is)."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if not isinstance(block, dict):
            continue
        for key, value in block.items():
            values = [value] if not isinstance(value, list) else value
            if key.lower() == "aws:multifactorauthpresent" and operator.lower() == "bool" and \
                    all(str(v).lower() == "true" for v in values):
                return True
            if key.lower() == "aws:multifactorauthage" and operator.lower() in ("numericlessthan",
                                                                                 "numericlessthanequals"):
                return True
    return False
