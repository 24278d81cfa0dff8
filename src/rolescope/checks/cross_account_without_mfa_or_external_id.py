"""CloudGuard D9.AWS.IAM.99: a cross-account role that requires neither MFA nor an ExternalId."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.witness import Scope

CHECK_ID = "cross-account-without-mfa-or-external-id"
_CROSS_ACCOUNT = Scope.CROSS_ACCOUNT  # an enum member read through its class costs a descriptor call each time


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return analysis.cross_account and not analysis.mfa_or_external_id_required


def run(context: RoleContext) -> Iterator[Finding]:
    analysis = context.analysis
    if not analysis.cross_account or analysis.mfa_or_external_id_required:
        return
    open_paths = [p for p in analysis.paths if p.scope is _CROSS_ACCOUNT and not p.guarded]
    first = open_paths[0]
    who = sorted({principal for path in open_paths for principal in path.principals})
    statements = ", ".join([f"Statement[{p.statement}]" + (f" ({p.sid})" if p.sid else "") for p in open_paths])
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} (account {context.account_id}) can be assumed from other accounts by "
        f"{', '.join(who)} without MFA or an ExternalId, through {statements}.",
        first.statement,
        outside_principals=who,
        unguarded_statements=[p.statement for p in open_paths],
    )
