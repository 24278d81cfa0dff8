"""A Deny whose NotPrincipal exempts a role (or an account) but none of the sessions that act for it.

IAM matches a role's sessions in ``NotPrincipal`` by the session ARN, so a role ARN there exempts
none of them, and an account there exempts only the account itself (see
:func:`rolescope.policy.evaluate.not_principal_excludes`). Reported where it matters: when an Allow of
the same policy names those callers, which the Deny then shuts out.
"""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.policy.arn import parse_arn
from rolescope.policy.evaluate import statement_covers
from rolescope.policy.glob import FRESH
from rolescope.policy.model import Effect, Principal, PrincipalKind, PrincipalType, Statement
from rolescope.policy.request import Caller
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "not-principal-without-session"
_EXEMPTED_KINDS = (PrincipalKind.ROLE, PrincipalKind.ACCOUNT)


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    for statement in analysis.policy.statements:  # loops, not any(): asked once per analysis of every role
        for principal in statement.not_principals or ():
            if principal.kind in _EXEMPTED_KINDS:
                return True
    return False


def run(context: RoleContext) -> Iterator[Finding]:
    statements = context.analysis.policy.statements
    allows = [s for s in statements if s.effect is Effect.ALLOW]
    partition = context.analysis.zone.partition
    for deny in statements:
        if deny.effect is not Effect.DENY or deny.not_principals is None:
            continue
        for principal in sorted(deny.not_principals, key=str):
            caller = _session_of(principal, partition)
            if caller is None or _names_narrower(deny.not_principals, principal):
                continue  # the IAM guide's pattern: the role or account listed beside what it exempts
            allowing = [a for a in allows if statement_covers(a, caller, "sts:AssumeRole")]
            if allowing:
                yield context.finding(CHECK_ID, _message(context, deny, principal, allowing), deny.index,
                                      exempted=principal.value, denied_sessions=caller.session_arn)


def _names_narrower(listed: frozenset[Principal], principal: Principal) -> bool:
    """Whether the NotPrincipal also names something inside ``principal``: a session of the role, or a
    principal of the account."""
    if principal.kind is PrincipalKind.ROLE:
        arn = parse_arn(principal.arn or "")
        prefix = f":assumed-role/{arn.resource_name}/".lower() if arn is not None else None
        return prefix is not None and any(p.kind is PrincipalKind.ASSUMED_ROLE and p.account == principal.account
                                          and prefix in p.value.lower() for p in listed)
    return any(p.account == principal.account and p.kind is not PrincipalKind.ACCOUNT for p in listed)


def _session_of(principal: Principal, partition: str) -> Caller | None:
    """A session acting for the exempted principal that the NotPrincipal does not name."""
    account = principal.account
    if principal.kind not in _EXEMPTED_KINDS or account is None:
        return None
    if principal.kind is PrincipalKind.ROLE and principal.arn is not None:
        arn = parse_arn(principal.arn)
        name = arn.resource_name if arn is not None else FRESH
        role = principal.arn
        partition = principal.partition or partition
    else:
        name = "<any role>"
        role = f"arn:{principal.partition or partition}:iam::{account}:role/{FRESH}"
    session = f"arn:{principal.partition or partition}:sts::{account}:assumed-role/{name}/<session>"
    return Caller(PrincipalType.AWS, role, account, session_arn=session)


def _message(context: RoleContext, deny: Statement, principal: Principal, allowing: list[Statement]) -> str:
    what = ("the role's sessions" if principal.kind is PrincipalKind.ROLE
            else "the account's users and role sessions (only its root user is exempt)")
    allows = ", ".join(s.label for s in allowing)
    return (f"{context.role_label}'s {deny.label} denies everyone except {principal.value}, but IAM matches "
            f"NotPrincipal against the caller's own identity (a session by its assumed-role ARN), so {what} "
            f"are denied too and {allows} does not let them in. List the assumed-role session ARNs in "
            "NotPrincipal, or deny with \"Principal\": \"*\" and ArnNotEquals on aws:PrincipalArn instead.")
