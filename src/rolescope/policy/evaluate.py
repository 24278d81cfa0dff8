"""Evaluate one request against a trust policy exactly as IAM does: explicit Deny wins, else an Allow."""

from __future__ import annotations

from dataclasses import dataclass

from rolescope.policy.conditions import condition_holds
from rolescope.policy.glob import glob_match
from rolescope.policy.model import Effect, PolicyDocument, Principal, PrincipalKind, PrincipalType, Statement
from rolescope.policy.request import Caller, Request


def principal_matches(principal: Principal, caller: Caller) -> bool:
    """Whether a policy principal value covers the caller."""
    kind = principal.kind
    if kind is PrincipalKind.ANYONE:
        return principal.type is PrincipalType.ANY or caller.type is PrincipalType.AWS
    if caller.type is PrincipalType.AWS:
        if kind is PrincipalKind.ACCOUNT:
            # A bare account id names the account in the role's own partition, whichever that is.
            bare = principal.value == principal.account
            return caller.account == principal.account and (bare or caller.partition == principal.partition)
        if kind in (PrincipalKind.ROLE, PrincipalKind.USER):
            return principal.arn is not None and principal.arn.lower() == caller.arn.lower()
        if kind in (PrincipalKind.ASSUMED_ROLE, PrincipalKind.FEDERATED_USER):
            return caller.session_arn is not None and caller.session_arn.lower() == (principal.arn or "").lower()
        if kind is PrincipalKind.UNIQUE_ID:
            return caller.unique_id == principal.value
        return False
    if caller.type is PrincipalType.SERVICE:
        return kind is PrincipalKind.SERVICE and principal.value.lower() == caller.arn.lower()
    federated = (PrincipalKind.SAML_PROVIDER, PrincipalKind.OIDC_PROVIDER, PrincipalKind.PUBLIC_IDP)
    if caller.type is PrincipalType.FEDERATED and kind in federated:
        return principal.value.lower() == caller.arn.lower()
    return False


def not_principal_excludes(principal: Principal, caller: Caller) -> bool:
    """Whether a ``NotPrincipal`` value takes the caller out of the statement.

    ``NotPrincipal`` excludes only the identity it names, the way IAM identifies the caller: a role
    acts through its sessions, which IAM matches by the session ARN
    (``arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION``), so a role ARN there excludes none of them,
    and an account there excludes the account itself, not its users and sessions. The IAM guide's
    NotPrincipal examples list the assumed-role ARN (with the role and the account) for that reason.
    """
    if caller.type is PrincipalType.AWS:
        if principal.kind is PrincipalKind.ROLE:
            return False
        if principal.kind is PrincipalKind.ACCOUNT and not caller.arn.endswith(":root"):
            return False
    return principal_matches(principal, caller)


def action_matches(patterns: tuple[str, ...], action: str) -> bool:
    """Whether any (lower-cased) action pattern covers ``action``, case-insensitively."""
    lowered = action.lower()
    return any(glob_match(pattern, lowered) for pattern in patterns)


def statement_covers(statement: Statement, caller: Caller, action: str) -> bool:
    """Whether the statement's Principal/NotPrincipal and Action/NotAction cover the caller and action."""
    if statement.principals is not None:
        if not any(principal_matches(p, caller) for p in statement.principals):
            return False
    elif statement.not_principals is not None and any(not_principal_excludes(p, caller)
                                                      for p in statement.not_principals):
        return False
    if statement.actions is not None:
        return action_matches(statement.actions, action)
    return statement.not_actions is None or not action_matches(statement.not_actions, action)


def statement_applies(statement: Statement, request: Request) -> bool:
    """Whether the statement's principal, action and every condition cover the request."""
    return statement_covers(statement, request.caller, request.action) and all(
        condition_holds(condition, request.context) for condition in statement.conditions
    )


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one request and the statement that decided it (``None``: no statement matched)."""

    allowed: bool
    statement: Statement | None

    @property
    def label(self) -> str:
        if self.statement is None:
            return "DENY (implicit: no statement allows the request)"
        verdict = "ALLOW" if self.allowed else "DENY (explicit)"
        return f"{verdict} by {self.statement.label}"


def evaluate(policy: PolicyDocument, request: Request) -> Decision:
    """Decide one request: an applicable Deny wins; otherwise the first applicable Allow allows.

    Args:
        policy: the parsed trust policy.
        request: the caller, action and condition context.

    Returns:
        The decision and the statement that made it.
    """
    allowing: Statement | None = None
    for statement in policy.statements:
        if not statement_applies(statement, request):
            continue
        if statement.effect is Effect.DENY:
            return Decision(False, statement)
        if allowing is None:
            allowing = statement
    return Decision(allowing is not None, allowing)
