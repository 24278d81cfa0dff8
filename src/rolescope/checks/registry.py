"""Every check, registered explicitly, and running them so that a failing check never stops a scan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from rolescope.checks import (
    cross_account_without_mfa_or_external_id,
    identity_assume_any_role,
    long_session_cross_account_role,
    not_principal_without_session,
    oidc_trust_without_subject,
    privileged_cross_account_role,
    public_trust,
    rcp_perimeter_gap,
    saml_trust_without_audience,
    service_trust_without_source_condition,
    trust_to_account_outside_organization,
    trust_to_deleted_principal,
    unused_cross_account_role,
    weak_external_id,
)
from rolescope.checks.context import CheckSettings, RoleContext
from rolescope.checks.finding import CheckError, Finding
from rolescope.inventory.model import AccountSnapshot
from rolescope.trust.analysis import TrustAnalysis

CheckFunction = Callable[[RoleContext], Iterable[Finding]]
AccountCheckFunction = Callable[[AccountSnapshot, CheckSettings], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    id: str
    run: CheckFunction
    needs_account: bool  # decidable only with the role's account data (not by check-policy alone)
    # Whether the check can report anything for a role with this analysis; None: it may, always.
    applies: Callable[[TrustAnalysis], bool] | None = None


def _register(module: ModuleType, needs_account: bool) -> RegisteredCheck:
    return RegisteredCheck(module.CHECK_ID, module.run, needs_account, module.applies)


CHECKS: tuple[RegisteredCheck, ...] = (
    _register(public_trust, False),
    _register(oidc_trust_without_subject, False),
    _register(cross_account_without_mfa_or_external_id, False),
    _register(privileged_cross_account_role, True),
    _register(saml_trust_without_audience, False),
    _register(service_trust_without_source_condition, False),
    _register(weak_external_id, False),
    _register(trust_to_account_outside_organization, True),
    _register(trust_to_deleted_principal, False),
    _register(not_principal_without_session, False),
    _register(long_session_cross_account_role, True),
    _register(unused_cross_account_role, True),
    _register(rcp_perimeter_gap, True),
)


@dataclass(frozen=True, slots=True)
class RegisteredAccountCheck:
    """A check about an account's principals (their identity policies), not about one role's trust:
    run once per account snapshot, its findings' resources the principals' ARNs."""

    id: str
    run: AccountCheckFunction


ACCOUNT_CHECKS: tuple[RegisteredAccountCheck, ...] = (
    RegisteredAccountCheck(identity_assume_any_role.CHECK_ID, identity_assume_any_role.run),
)
CHECK_IDS = tuple(check.id for check in CHECKS) + tuple(check.id for check in ACCOUNT_CHECKS)


def checks_for(analysis: TrustAnalysis, checks: Iterable[RegisteredCheck] = CHECKS) -> tuple[RegisteredCheck, ...]:
    """The checks that can report anything (finding or error) about a role with ``analysis``: each
    check left out would return at once, before reading anything else.

    Args:
        analysis: the role's trust analysis.
        checks: the checks to choose from.

    Returns:
        Those of ``checks`` that apply, in their order.
    """
    return tuple([check for check in checks if (applies := check.applies) is None or applies(analysis)])


def run_checks(context: RoleContext, checks: Iterable[RegisteredCheck] = CHECKS
               ) -> tuple[list[Finding], list[CheckError]]:
    """Run ``checks`` on one role; an exception inside a check becomes a :class:`CheckError`."""
    findings: list[Finding] = []
    errors: list[CheckError] = []
    for check in checks:
        try:
            findings.extend(check.run(context))
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            errors.append(CheckError(check.id, context.account_id, context.resource, reason))
    return findings, errors


def run_account_checks(snapshot: AccountSnapshot, settings: CheckSettings,
                       checks: Iterable[RegisteredAccountCheck] = ACCOUNT_CHECKS
                       ) -> tuple[list[Finding], list[CheckError]]:
    """Run account ``checks`` on one snapshot; an exception inside one becomes a :class:`CheckError`
    about the account (its resource ``account:<id>``), and the others still run."""
    findings: list[Finding] = []
    errors: list[CheckError] = []
    for check in checks:
        try:
            findings.extend(check.run(snapshot, settings))
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            errors.append(CheckError(check.id, snapshot.account_id, f"account:{snapshot.account_id}", reason))
    return findings, errors
